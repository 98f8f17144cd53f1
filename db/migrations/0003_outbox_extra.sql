-- The outbox sender claims only the head of each chat's queue (one message per chat on the
-- wire, in order) and blocks a chat's queued rows when she blocks the bot; both look rows up
-- by chat. This index makes those lookups a probe instead of a scan of the queue.
CREATE INDEX outbox_chat ON outbox(chat_id, status, not_before, id);
