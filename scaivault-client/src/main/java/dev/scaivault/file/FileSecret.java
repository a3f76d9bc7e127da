package dev.scaivault.file;

import dev.scaivault.SecretValues;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One validated snapshot of a secret file or directory: every key and value read together, never a mix of
 * two versions. Immutable. {@link #toString()} shows the path, format, key names and a hash prefix, never a
 * value.
 */
public final class FileSecret implements SecretValues {
    private final Path path;
    private final FileFormat format;
    private final SortedMap<String, String> values;
    private final Long version;
    private final String sha256;

    private FileSecret(Path path, FileFormat format, SortedMap<String, String> values, Long version, String sha256) {
        this.path = path;
        this.format = format;
        this.values = values;
        this.version = version;
        this.sha256 = sha256;
    }

    /**
     * @param raw the exact bytes of each entry, hashed for the change gate (for text formats the values'
     *     UTF-8 bytes; for a directory the files' bytes, so a binary file change is never missed)
     */
    static FileSecret of(
            Path path, FileFormat format, Map<String, String> values, Long version, Map<String, byte[]> raw) {
        MessageDigest md = digest();
        for (Map.Entry<String, byte[]> e : new TreeMap<>(raw).entrySet()) {
            update(md, e.getKey().getBytes(StandardCharsets.UTF_8));
            update(md, e.getValue());
        }
        if (version != null) {
            // A key can never be empty, so this entry cannot collide with a real one.
            update(md, new byte[0]);
            update(md, Long.toString(version).getBytes(StandardCharsets.UTF_8));
        }
        return new FileSecret(
                Objects.requireNonNull(path, "path"),
                Objects.requireNonNull(format, "format"),
                Collections.unmodifiableSortedMap(new TreeMap<>(values)),
                version,
                HexFormat.of().formatHex(md.digest()));
    }

    private static void update(MessageDigest md, byte[] b) {
        // Length-prefixed, so ("ab","c") and ("a","bc") hash differently.
        md.update(java.nio.ByteBuffer.allocate(8).putLong(b.length).array());
        md.update(b);
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** Every key and value, sorted by key. */
    @Override
    public Map<String, String> values() {
        return values;
    }

    /** The value of {@code key}, if present. */
    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** The secret's version, for the {@link FileFormat#ENVELOPE envelope} format. */
    public Optional<Long> version() {
        return Optional.ofNullable(version);
    }

    /** Hex SHA-256 over the sorted (key, bytes) pairs (and the version): safe to log, changes with any value. */
    public String sha256() {
        return sha256;
    }

    /** {@code file <path> sha256:<first 8 hex digits>}, safe to log. */
    @Override
    public String origin() {
        return "file " + path + " sha256:" + sha256.substring(0, 8);
    }

    /** The configured file or directory. */
    public Path path() {
        return path;
    }

    /** The format the content was read as (never {@link FileFormat#AUTO}). */
    public FileFormat format() {
        return format;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileSecret f
                && sha256.equals(f.sha256)
                && path.equals(f.path)
                && format == f.format
                && values.equals(f.values);
    }

    @Override
    public int hashCode() {
        return sha256.hashCode();
    }

    @Override
    public String toString() {
        return "FileSecret{path=" + path + ", format=" + format + ", keys=" + values.keySet()
                + (version != null ? ", version=" + version : "") + ", sha256=" + sha256.substring(0, 8) + '}';
    }
}
