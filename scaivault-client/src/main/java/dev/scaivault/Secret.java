package dev.scaivault;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * One version of a ScaiVault secret. Immutable. {@link #toString()} shows path, version, type and key names,
 * never a value.
 */
public final class Secret implements SecretValues {
    private final String path;
    private final long version;
    private final String type;
    private final Map<String, Object> data;
    private final Map<String, String> values;
    private final Metadata metadata;
    private final Instant createdAt;
    private final Instant updatedAt;
    private final Instant expiresAt;

    Secret(
            String path,
            long version,
            String type,
            Map<String, Object> data,
            Metadata metadata,
            Instant createdAt,
            Instant updatedAt,
            Instant expiresAt) {
        this.path = Objects.requireNonNull(path, "path");
        this.version = version;
        this.type = Objects.requireNonNull(type, "type");
        this.data = Collections.unmodifiableMap(new LinkedHashMap<>(data));
        Map<String, String> text = new LinkedHashMap<>();
        this.data.forEach((k, v) -> text.put(k, text(v)));
        this.values = Collections.unmodifiableMap(text);
        this.metadata = Objects.requireNonNull(metadata, "metadata");
        this.createdAt = createdAt;
        this.updatedAt = updatedAt;
        this.expiresAt = expiresAt;
    }

    /** The secret's path, e.g. {@code prod/db/billing}; safe to log. */
    public String path() {
        return path;
    }

    /** The version the server answered with; it grows with every write. */
    public long version() {
        return version;
    }

    /** {@code kv}, {@code json}, {@code certificate}, {@code ssh_key} or {@code api_key}. */
    public String type() {
        return type;
    }

    /** The secret's data: strings, numbers, booleans, lists and maps as the JSON had them. */
    public Map<String, Object> data() {
        return data;
    }

    /** Every key's value as text: strings as they are, numbers and booleans converted, objects and arrays as JSON. */
    @Override
    public Map<String, String> values() {
        return values;
    }

    /** {@code secret <path> v<version>}. */
    @Override
    public String origin() {
        return "secret " + path + " v" + version;
    }

    private static String text(Object v) {
        if (v instanceof Map || v instanceof List) {
            try {
                return Protocol.JSON.writeValueAsString(v);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("cannot write back JSON that was just read", e);
            }
        }
        return String.valueOf(v);
    }

    /**
     * The value of {@code key} as a string (numbers and booleans converted).
     *
     * @throws ScaiVaultException naming the path and key if the key is absent or holds an object or array
     */
    public String string(String key) {
        Object v = data.get(key);
        if (v == null) {
            throw new ScaiVaultException("secret " + path + " v" + version + " has no key '" + key + "' (keys: "
                    + new TreeSet<>(data.keySet()) + ")");
        }
        if (v instanceof Map || v instanceof List) {
            throw new ScaiVaultException(
                    "secret " + path + " v" + version + ": key '" + key + "' holds an object or array, not a string");
        }
        return String.valueOf(v);
    }

    public Metadata metadata() {
        return metadata;
    }

    public Optional<Instant> createdAt() {
        return Optional.ofNullable(createdAt);
    }

    public Optional<Instant> updatedAt() {
        return Optional.ofNullable(updatedAt);
    }

    @Override
    public Optional<Instant> expiresAt() {
        return Optional.ofNullable(expiresAt);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s
                && path.equals(s.path)
                && version == s.version
                && type.equals(s.type)
                && data.equals(s.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, version, type, data);
    }

    @Override
    public String toString() {
        return "Secret{path=" + path + ", version=" + version + ", type=" + type + ", keys="
                + new TreeSet<>(data.keySet()) + '}';
    }

    /** What ScaiVault says about a secret besides its data. Holds no secret. */
    public record Metadata(String description, List<String> tags, String owner) {
        public Metadata {
            tags = List.copyOf(tags);
        }
    }
}
