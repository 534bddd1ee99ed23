-- Change notification: trackers LISTEN on p2pcd_content and p2pcd_tracker so
-- a mute committed by any path (RPC, admin API, plain SQL) reaches every
-- tracker within a second. The payload is small and self-describing.

CREATE OR REPLACE FUNCTION p2pcd_content_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM pg_notify('p2pcd_content', json_build_object(
			'doi', OLD.doi, 'info_hash', encode(OLD.info_hash, 'hex'),
			'state', 'removed', 'tracker', OLD.tracker_id)::text);
		RETURN OLD;
	END IF;
	IF TG_OP = 'UPDATE' AND NEW.state = OLD.state AND
	   NEW.tracker_id = OLD.tracker_id THEN
		RETURN NEW;
	END IF;
	PERFORM pg_notify('p2pcd_content', json_build_object(
		'doi', NEW.doi, 'info_hash', encode(NEW.info_hash, 'hex'),
		'state', NEW.state, 'tracker', NEW.tracker_id)::text);
	RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS content_notify ON content;
CREATE TRIGGER content_notify AFTER INSERT OR UPDATE OR DELETE ON content
	FOR EACH ROW EXECUTE FUNCTION p2pcd_content_notify();

CREATE OR REPLACE FUNCTION p2pcd_tracker_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND NEW.state = OLD.state THEN
		RETURN NEW;
	END IF;
	PERFORM pg_notify('p2pcd_tracker', json_build_object(
		'id', NEW.id, 'state', NEW.state)::text);
	RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS tracker_notify ON trackers;
CREATE TRIGGER tracker_notify AFTER INSERT OR UPDATE ON trackers
	FOR EACH ROW EXECUTE FUNCTION p2pcd_tracker_notify();

-- Keep content.updated current on any change.
CREATE OR REPLACE FUNCTION p2pcd_touch_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.updated := now();
	RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS content_touch ON content;
CREATE TRIGGER content_touch BEFORE UPDATE ON content
	FOR EACH ROW EXECUTE FUNCTION p2pcd_touch_updated();
