-- 0009: two facts the support network and release-day screens record that 0001 had no place for.
--
-- support_networks.referred_to: to whom the referral went (a Lifelong Links service, a Family
-- Group Conference team), before any coordinator is allocated.
-- release_plans.checkin_to_plan: the check-in's answer to "did the day of release go according
-- to plan?" ('yes', 'partly', 'no'), a code a supervisor can count; how it went stays in
-- checkin_notes.
ALTER TABLE support_networks ADD COLUMN referred_to TEXT;
ALTER TABLE release_plans ADD COLUMN checkin_to_plan TEXT
    CHECK (checkin_to_plan IS NULL OR checkin_to_plan IN ('yes', 'partly', 'no'));
