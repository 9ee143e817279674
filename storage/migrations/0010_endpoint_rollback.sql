-- What an endpoint update in flight goes back to when its new deployment fails (JSON of the
-- fields it changes), kept with the endpoint so that a control plane restarted during the
-- update can still roll it back; NULL when no update is in flight.
ALTER TABLE realtime_endpoints ADD COLUMN rollback TEXT;
