// Validates an OpenAPI 3.1 document; exits 1 on the first kind of problem found.
// 1. The document against the OpenAPI 3.1 schema, with every $ref resolved
//    (@seriousme/openapi-schema-validator).
// 2. Every Schema Object against the JSON Schema 2020-12 meta-schema (Ajv): the OpenAPI schema
//    leaves their contents unchecked, so a misspelt type would otherwise pass.
import { argv, exit } from "node:process";
import { readFile } from "node:fs/promises";

import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";

const file = argv[2];
if (!file) {
    console.error("usage: node validate.mjs <openapi.json>");
    exit(2);
}

function fail(what, errors) {
    console.error(`${file}: ${what}`);
    console.error(typeof errors === "string" ? errors : JSON.stringify(errors, null, 2));
    exit(1);
}

const document = JSON.parse(await readFile(file, "utf-8"));

const validator = new Validator();
const result = await validator.validate(structuredClone(document));
if (!result.valid) fail("not a valid OpenAPI document", result.errors);
if (validator.version !== "3.1") fail("not OpenAPI 3.1", `openapi: ${document.openapi}`);

// Outside Schema Objects, every "schema" key of OpenAPI holds one (parameters, headers, media
// types); example values are free JSON and are skipped.
function collectSchemas(node, path, found) {
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
        if (key === "example" || key === "examples") continue;
        if (key === "schema") found.push([`${path}/schema`, value]);
        else collectSchemas(value, `${path}/${key}`, found);
    }
}
const schemas = Object.entries(document.components?.schemas ?? {}).map(([name, schema]) => [
    `#/components/schemas/${name}`,
    schema,
]);
collectSchemas({ ...document, components: { ...document.components, schemas: {} } }, "#", schemas);

const ajv = new Ajv2020({ strict: false });
for (const [where, schema] of schemas) {
    if (!ajv.validateSchema(schema)) fail(`${where} is not a valid JSON Schema`, ajv.errors);
}

console.log(
    `${file}: valid OpenAPI ${document.openapi}, ${Object.keys(document.paths).length} paths, ` +
        `${schemas.length} schemas checked`,
);
