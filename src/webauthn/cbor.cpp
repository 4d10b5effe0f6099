#include "webauthn/cbor.h"

#include <cbor.h>

#include <algorithm>
#include <compare>
#include <limits>
#include <string>
#include <vector>

namespace authd::webauthn {
namespace {

// A map key as compared for duplicates: an integer and a text never collide.
struct Key {
    bool is_text;
    std::int64_t integer;
    std::string_view text;
    auto operator<=>(const Key&) const = default;
};

std::optional<std::int64_t> integer_of(const cbor_item_t* item) {
    if (!cbor_isa_uint(item) && !cbor_isa_negint(item)) return std::nullopt;
    const std::uint64_t magnitude = cbor_get_int(item);
    if (magnitude > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return std::nullopt;
    const auto value = static_cast<std::int64_t>(magnitude);
    return cbor_isa_uint(item) ? value : -1 - value;
}

std::optional<std::string_view> text_of(const cbor_item_t* item) {
    if (!cbor_isa_string(item) || cbor_string_is_indefinite(item)) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(cbor_string_handle(item)),
                            cbor_string_length(item));
}

Key key_of(const cbor_item_t* item) {
    if (const auto text = text_of(item)) return {true, 0, *text};
    if (const auto integer = integer_of(item)) return {false, *integer, {}};
    throw CborError("a CBOR map key is neither an integer nor a text string");
}

std::string malformed_at(std::size_t position) {
    return "the CBOR item is malformed (at byte " + std::to_string(position) + ")";
}

// The value of `map`'s member `key`; empty when `map` is no map or has no such key. Its keys
// were checked on decoding, so each is an integer or a text.
CborView find_member(const cbor_item_t* map, const Key& key) {
    if (map == nullptr || !cbor_isa_map(map)) return CborView();
    const cbor_pair* pairs = cbor_map_handle(map);
    for (std::size_t i = 0; i < cbor_map_size(map); ++i)
        if (key_of(pairs[i].key) == key) return CborView(pairs[i].value);
    return CborView();
}

// A first pass with libcbor's streaming decoder, before anything is allocated: each head's
// declared length is checked against the bytes left (libcbor's cbor_load allocates a map or
// array of the declared size at once: 90 bytes could ask for gigabytes), and the nesting and
// the definite lengths are checked. Returns the length of the item at the start of `input`.
class Scan {
  public:
    Scan(std::span<const std::uint8_t> input, const CborLimits& limits)
        : input_(input), limits_(limits) {}

    std::size_t run() {
        cbor_callbacks callbacks = cbor_empty_callbacks;
        callbacks.uint8 = [](void* s, std::uint8_t) { self(s).leaf(); };
        callbacks.uint16 = [](void* s, std::uint16_t) { self(s).leaf(); };
        callbacks.uint32 = [](void* s, std::uint32_t) { self(s).leaf(); };
        callbacks.uint64 = [](void* s, std::uint64_t) { self(s).leaf(); };
        callbacks.negint8 = [](void* s, std::uint8_t) { self(s).leaf(); };
        callbacks.negint16 = [](void* s, std::uint16_t) { self(s).leaf(); };
        callbacks.negint32 = [](void* s, std::uint32_t) { self(s).leaf(); };
        callbacks.negint64 = [](void* s, std::uint64_t) { self(s).leaf(); };
        callbacks.byte_string = [](void* s, cbor_data, std::size_t) { self(s).leaf(); };
        callbacks.string = [](void* s, cbor_data, std::size_t) { self(s).leaf(); };
        callbacks.float2 = [](void* s, float) { self(s).leaf(); };
        callbacks.float4 = [](void* s, float) { self(s).leaf(); };
        callbacks.float8 = [](void* s, double) { self(s).leaf(); };
        callbacks.undefined = [](void* s) { self(s).leaf(); };
        callbacks.null = [](void* s) { self(s).leaf(); };
        callbacks.boolean = [](void* s, bool) { self(s).leaf(); };
        callbacks.array_start = [](void* s, std::size_t n) { self(s).container(n, 1); };
        callbacks.map_start = [](void* s, std::size_t n) { self(s).container(n, 2); };
        // WebAuthn's structures carry no tags, and libcbor 0.8 reads some tags in one form only.
        callbacks.tag = [](void* s, std::uint64_t) {
            self(s).refuse("the CBOR item has a tag, which WebAuthn never uses");
        };
        callbacks.byte_string_start = [](void* s) {
            self(s).refuse("the CBOR item has a byte string of indefinite length");
        };
        callbacks.string_start = [](void* s) {
            self(s).refuse("the CBOR item has a text string of indefinite length");
        };
        callbacks.indef_array_start = [](void* s) {
            self(s).refuse("the CBOR item has an array of indefinite length");
        };
        callbacks.indef_map_start = [](void* s) {
            self(s).refuse("the CBOR item has a map of indefinite length");
        };
        callbacks.indef_break = [](void* s) { self(s).refuse(malformed_at(self(s).offset_)); };

        do {
            const cbor_decoder_result result = cbor_stream_decode(
                input_.data() + offset_, input_.size() - offset_, &callbacks, this);
            if (result.status == CBOR_DECODER_NEDATA) throw CborError("the CBOR item is cut short");
            if (result.status != CBOR_DECODER_FINISHED || result.read == 0)
                throw CborError(malformed_at(offset_));
            if (!problem_.empty()) throw CborError(problem_);
            offset_ += result.read;
        } while (!open_.empty());
        return offset_;
    }

  private:
    static Scan& self(void* scan) { return *static_cast<Scan*>(scan); }

    void refuse(std::string problem) {
        if (problem_.empty()) problem_ = std::move(problem);
    }

    // An item takes its place in the container it is in.
    void take_place() {
        if (open_.empty()) return;
        --open_.back();
        --promised_;
    }

    void leaf() {
        take_place();
        while (!open_.empty() && open_.back() == 0)
            open_.pop_back();
    }

    void container(std::uint64_t count, std::uint64_t items_each) {
        if (count == 0) return leaf();
        take_place();
        // Each promised item takes at least one byte after this head.
        const std::uint64_t left = input_.size() - offset_ - 1;
        if (count > left / items_each || promised_ + count * items_each > left)
            return refuse("the CBOR item declares more items than it has bytes");
        open_.push_back(count * items_each);
        promised_ += count * items_each;
        if (open_.size() > limits_.max_depth)
            refuse("the CBOR item is nested deeper than " + std::to_string(limits_.max_depth) +
                   " levels");
    }

    std::span<const std::uint8_t> input_;
    const CborLimits& limits_;
    std::size_t offset_ = 0;
    std::vector<std::uint64_t> open_;  // items still to come in each open container
    std::uint64_t promised_ = 0;       // their sum
    std::string problem_;
};

// The map keys, on the tree cbor_load built (the scan bounded its depth).
void check_keys(const cbor_item_t* item) {
    switch (cbor_typeof(item)) {
        case CBOR_TYPE_ARRAY: {
            cbor_item_t** elements = cbor_array_handle(item);
            for (std::size_t i = 0; i < cbor_array_size(item); ++i)
                check_keys(elements[i]);
            return;
        }
        case CBOR_TYPE_MAP: {
            const cbor_pair* pairs = cbor_map_handle(item);
            const std::size_t count = cbor_map_size(item);
            std::vector<Key> keys;
            keys.reserve(count);
            for (std::size_t i = 0; i < count; ++i) {
                keys.push_back(key_of(pairs[i].key));
                check_keys(pairs[i].value);
            }
            // Sorted, so that a hostile map of thousands of keys costs n log n, not n².
            std::sort(keys.begin(), keys.end());
            if (std::adjacent_find(keys.begin(), keys.end()) != keys.end())
                throw CborError("the CBOR item has a map with a repeated key");
            return;
        }
        default:
            return;
    }
}

std::string load_problem(const cbor_load_result& result) {
    switch (result.error.code) {
        case CBOR_ERR_NODATA:
            return "the CBOR item is empty";
        case CBOR_ERR_NOTENOUGHDATA:
            return "the CBOR item is cut short";
        case CBOR_ERR_MEMERROR:
            return "the CBOR item is too large";
        default:
            return malformed_at(result.error.position);
    }
}

}  // namespace

void CborDocument::Release::operator()(cbor_item_t* item) const {
    cbor_decref(&item);
}

CborDocument decode_cbor_prefix(std::span<const std::uint8_t> input, const CborLimits& limits) {
    if (input.empty()) throw CborError("the CBOR item is empty");
    if (input.size() > limits.max_bytes)
        throw CborError("the CBOR item is larger than " + std::to_string(limits.max_bytes) +
                        " bytes");
    const std::size_t length = Scan(input, limits).run();
    cbor_load_result result{};
    cbor_item_t* item = cbor_load(input.data(), length, &result);
    if (item == nullptr || result.error.code != CBOR_ERR_NONE || result.read != length) {
        if (item != nullptr) cbor_decref(&item);
        throw CborError(load_problem(result));
    }
    CborDocument document(item, length);
    check_keys(item);
    return document;
}

CborDocument decode_cbor(std::span<const std::uint8_t> input, const CborLimits& limits) {
    CborDocument document = decode_cbor_prefix(input, limits);
    if (document.consumed() != input.size())
        throw CborError("the CBOR item is followed by " +
                        std::to_string(input.size() - document.consumed()) + " more bytes");
    return document;
}

bool CborView::is_map() const {
    return item_ != nullptr && cbor_isa_map(item_);
}

bool CborView::is_array() const {
    return item_ != nullptr && cbor_isa_array(item_);
}

std::optional<std::int64_t> CborView::integer() const {
    if (item_ == nullptr) return std::nullopt;
    return integer_of(item_);
}

std::optional<std::span<const std::uint8_t>> CborView::bytes() const {
    if (item_ == nullptr || !cbor_isa_bytestring(item_) || cbor_bytestring_is_indefinite(item_))
        return std::nullopt;
    return std::span<const std::uint8_t>(cbor_bytestring_handle(item_),
                                         cbor_bytestring_length(item_));
}

std::optional<std::string_view> CborView::text() const {
    if (item_ == nullptr) return std::nullopt;
    return text_of(item_);
}

std::optional<bool> CborView::boolean() const {
    // libcbor's cbor_is_bool asserts on a float: ask whether it is a simple value first.
    if (item_ == nullptr || !cbor_isa_float_ctrl(item_) || !cbor_float_ctrl_is_ctrl(item_))
        return std::nullopt;
    switch (cbor_ctrl_value(item_)) {
        case CBOR_CTRL_TRUE:
            return true;
        case CBOR_CTRL_FALSE:
            return false;
        default:
            return std::nullopt;
    }
}

CborView CborView::member(std::int64_t key) const {
    return find_member(item_, Key{false, key, {}});
}

CborView CborView::member(std::string_view key) const {
    return find_member(item_, Key{true, 0, key});
}

std::size_t CborView::size() const {
    if (is_array()) return cbor_array_size(item_);
    if (is_map()) return cbor_map_size(item_);
    return 0;
}

CborView CborView::element(std::size_t index) const {
    if (!is_array() || index >= cbor_array_size(item_)) return CborView();
    return CborView(cbor_array_handle(item_)[index]);
}

}  // namespace authd::webauthn
