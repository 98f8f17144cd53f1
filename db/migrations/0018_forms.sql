-- The forms a facilitator files (issue 16).
-- A group's kecamatan (sub-district), for the coordinator's sub-district recap; asked when
-- a group is created, empty for the groups made before.
ALTER TABLE groups ADD COLUMN kecamatan TEXT NOT NULL DEFAULT '';

-- "Pengetahuan & Pemahaman" of the monthly monitoring form: the level the facilitator
-- confirmed (or chose) for a member at a meeting. ``level`` is a key of the levels in
-- content/forms/pemantauan_bulanan.toml (kurang, baik, sangat_baik, tidak_dapat_dinilai);
-- the form's words stay in that file. No row: the bot's proposal, not yet confirmed.
CREATE TABLE knowledge_levels (
    meeting_id     INTEGER NOT NULL REFERENCES meetings(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    level          TEXT    NOT NULL,
    set_at         TEXT    NOT NULL,
    PRIMARY KEY (meeting_id, participant_id)
);

-- The semester form's two ratings (Perubahan Perilaku, Kemampuan Mengenali Potensi),
-- set by the facilitator per member and semester ("2026-2": July to December 2026).
CREATE TABLE semester_ratings (
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    semester       TEXT    NOT NULL,
    aspect         TEXT    NOT NULL,  -- a key of the aspects in pemantauan_semester.toml
    level          TEXT    NOT NULL,
    set_at         TEXT    NOT NULL,
    PRIMARY KEY (participant_id, semester, aspect)
);
