-- Outbox bodies hold live links and login codes. From this version on each one is sealed at
-- rest (src/mail/outbox.h), and erased once its message is sent or given up. The bodies an
-- older build kept after delivery are erased here; messages it left pending, in clear, are
-- still delivered (and then erased).
UPDATE outbox SET mime = '' WHERE status IN ('sent', 'failed');
