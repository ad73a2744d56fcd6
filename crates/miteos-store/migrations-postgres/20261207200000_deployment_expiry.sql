-- Deployments expire, like share links: a page put on the web is not there for ever. Those made
-- before (no expiry) keep none.
ALTER TABLE deployments ADD COLUMN expires_at TIMESTAMPTZ;
