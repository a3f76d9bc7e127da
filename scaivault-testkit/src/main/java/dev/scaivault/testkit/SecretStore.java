package dev.scaivault.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Versioned secrets. Every write adds a version; older versions stay readable (up to {@code max_versions}
 * when a write set it) except after a rotation, where the replaced version is readable until the end of
 * the grace period only. Writes publish {@code secret.created}, {@code secret.updated}, {@code
 * secret.rotated} and {@code secret.deleted} events.
 */
final class SecretStore {
    static final Set<String> TYPES = Set.of("kv", "json", "certificate", "ssh_key", "api_key");
    static final Duration DEFAULT_GRACE = Duration.ofHours(48);

    record Actor(String identityId, String requestId) {}

    record Options(Integer maxVersions, Duration expiresIn, String rotationPolicyId) {
        static final Options NONE = new Options(null, null, null);
    }

    private static final class Version {
        final long number;
        final JsonNode data;
        final Instant createdAt;
        Instant expiresAt;

        Version(long number, JsonNode data, Instant createdAt) {
            this.number = number;
            this.data = data;
            this.createdAt = createdAt;
        }
    }

    private static final class Entry {
        final String path;
        String type;
        JsonNode metadata;
        final Instant createdAt;
        final TreeMap<Long, Version> versions = new TreeMap<>();
        Integer maxVersions;
        Instant expiresAt;
        String rotationPolicyId;
        Instant lastAccessedAt;

        Entry(String path, Instant createdAt) {
            this.path = path;
            this.createdAt = createdAt;
        }
    }

    private final Clock clock;
    private final Events events;
    private final Map<String, Entry> secrets = new HashMap<>();

    SecretStore(Clock clock, Events events) {
        this.clock = clock;
        this.events = events;
    }

    /** The path rules of ScaiVault: 1..10 segments, at most 512 characters, no empty segment. */
    static String validatePath(String path) {
        if (path == null || path.isEmpty()) {
            throw invalidPath("the secret path is empty");
        }
        if (path.length() > 512) {
            throw invalidPath("the secret path is longer than 512 characters");
        }
        if (path.startsWith("/") || path.endsWith("/") || path.contains("//")) {
            throw invalidPath("the secret path " + path + " has a leading, trailing or double /");
        }
        String[] segs = path.split("/");
        if (segs.length > 10) {
            throw invalidPath("the secret path " + path + " has more than 10 segments");
        }
        for (String s : segs) {
            if (s.equals(".") || s.equals("..")) {
                throw invalidPath("the secret path " + path + " has a . or .. segment");
            }
            for (char c : s.toCharArray()) {
                if (Character.isISOControl(c)) {
                    throw invalidPath(
                            "the secret path " + path.replaceAll("\\p{Cntrl}", "?") + " has a control character");
                }
            }
        }
        return path;
    }

    private static ApiError invalidPath(String message) {
        return ApiError.badRequest("invalid_path", message);
    }

    synchronized ObjectNode put(String path, String type, JsonNode data, JsonNode metadata, Options o, Actor actor) {
        validatePath(path);
        if (type != null && !TYPES.contains(type)) {
            throw ApiError.badRequest(
                    "invalid_secret_type",
                    "secret_type " + type + " is not one of kv, json, certificate, ssh_key, api_key");
        }
        if (data == null || !data.isObject()) {
            throw new ApiError(
                    422,
                    "validation_error",
                    "data must be a JSON object",
                    Map.of("fields", Map.of("data", "must be an object")));
        }
        Instant now = clock.instant();
        Entry e = live(path, now);
        boolean created = e == null;
        long old = 0;
        if (created) {
            e = new Entry(path, now);
            e.type = type == null ? "kv" : type;
            secrets.put(path, e);
        } else {
            old = e.versions.lastKey();
            if (type != null) {
                e.type = type;
            }
        }
        if (metadata != null && !metadata.isNull()) {
            e.metadata = metadata.deepCopy();
        }
        if (o.maxVersions() != null) {
            e.maxVersions = o.maxVersions();
        }
        if (o.expiresIn() != null) {
            e.expiresAt = now.plus(o.expiresIn());
        }
        if (o.rotationPolicyId() != null) {
            e.rotationPolicyId = o.rotationPolicyId();
        }
        Version v = new Version(old + 1, data.deepCopy(), now);
        e.versions.put(v.number, v);
        prune(e);
        ObjectNode ev = Json.obj();
        if (created) {
            ev.put("version", v.number).put("secret_type", e.type).put("created_by", actor.identityId());
            events.publish("secret.created", path, actor.identityId(), actor.requestId(), ev);
        } else {
            ev.put("old_version", old)
                    .put("new_version", v.number)
                    .put("updated_by", actor.identityId())
                    .put("is_rotation", false);
            events.publish("secret.updated", path, actor.identityId(), actor.requestId(), ev);
        }
        return toJson(e, v, false);
    }

    synchronized long rotate(String path, JsonNode data, Duration grace, Actor actor) {
        validatePath(path);
        if (data == null || !data.isObject()) {
            throw new IllegalArgumentException("rotation data must be a JSON object");
        }
        Instant now = clock.instant();
        Entry e = live(path, now);
        if (e == null) {
            throw new IllegalArgumentException("cannot rotate " + path + ": no such secret");
        }
        Version previous = e.versions.lastEntry().getValue();
        Instant graceEnds = now.plus(grace);
        previous.expiresAt = graceEnds;
        Version v = new Version(previous.number + 1, data.deepCopy(), now);
        e.versions.put(v.number, v);
        prune(e);
        ObjectNode ev = Json.obj();
        ev.put("old_version", previous.number)
                .put("new_version", v.number)
                .put("rotation_policy_id", e.rotationPolicyId)
                .putNull("rotation_policy_name")
                .put("grace_period_ends", Json.time(graceEnds))
                .put("auto_generated", false);
        events.publish("secret.rotated", path, actor.identityId(), actor.requestId(), ev);
        return v.number;
    }

    synchronized void delete(String path, Actor actor) {
        validatePath(path);
        Entry e = live(path, clock.instant());
        if (e == null) {
            throw ApiError.notFound("secret_not_found", "no secret at " + path);
        }
        secrets.remove(path);
        ObjectNode ev = Json.obj().put("version", e.versions.lastKey()).put("deleted_by", actor.identityId());
        events.publish("secret.deleted", path, actor.identityId(), actor.requestId(), ev);
    }

    /** The secret at {@code path} (latest version, or {@code version}); 404 when gone. */
    synchronized ObjectNode read(String path, Long version, boolean withData, boolean withMetadata) {
        validatePath(path);
        Instant now = clock.instant();
        Entry e = live(path, now);
        if (e == null) {
            throw ApiError.notFound("secret_not_found", "no secret at " + path);
        }
        Version v;
        if (version == null) {
            v = e.versions.lastEntry().getValue();
        } else {
            v = e.versions.get(version);
            if (v == null) {
                throw ApiError.notFound("version_not_found", "secret " + path + " has no version " + version);
            }
            if (v.expiresAt != null && !now.isBefore(v.expiresAt)) {
                throw ApiError.notFound(
                        "version_not_found",
                        "version " + version + " of " + path + " is gone: its rotation grace period ended at "
                                + Json.time(v.expiresAt));
            }
        }
        e.lastAccessedAt = now;
        ObjectNode o = toJson(e, v, withData);
        if (!withMetadata) {
            for (String f : new String[] {
                "metadata",
                "created_at",
                "updated_at",
                "expires_at",
                "last_accessed_at",
                "rotation_policy_id",
                "secret_policy_id"
            }) {
                o.remove(f);
            }
        }
        return o;
    }

    private Entry live(String path, Instant now) {
        Entry e = secrets.get(path);
        if (e != null && e.expiresAt != null && !now.isBefore(e.expiresAt)) {
            secrets.remove(path);
            return null;
        }
        return e;
    }

    private static void prune(Entry e) {
        if (e.maxVersions != null) {
            while (e.versions.size() > e.maxVersions) {
                e.versions.pollFirstEntry();
            }
        }
    }

    private static ObjectNode toJson(Entry e, Version v, boolean withData) {
        ObjectNode o = Json.obj();
        o.put("path", e.path);
        o.put("secret_type", e.type);
        o.put("version", v.number);
        if (withData) {
            o.set("data", v.data.deepCopy());
        }
        o.set(
                "metadata",
                e.metadata == null
                        ? Json.obj()
                                .putNull("description")
                                .<ObjectNode>set("tags", Json.MAPPER.createArrayNode())
                                .putNull("owner")
                        : e.metadata.deepCopy());
        o.put("created_at", Json.time(e.createdAt));
        o.put("updated_at", Json.time(v.createdAt));
        o.put("expires_at", Json.time(e.expiresAt));
        o.put("last_accessed_at", Json.time(e.lastAccessedAt));
        o.put("rotation_policy_id", e.rotationPolicyId);
        o.putNull("secret_policy_id");
        return o;
    }
}
