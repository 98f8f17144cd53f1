-- /datasaya and erasure look a participant's answers up by participant.
CREATE INDEX rsvps_participant ON rsvps(participant_id);
