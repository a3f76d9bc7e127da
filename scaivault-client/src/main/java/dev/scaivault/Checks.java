package dev.scaivault;

import java.time.Duration;

/**
 * The argument checks of every builder in this library and the modules built on it, with one message
 * format: the setting's name, what it must be, and the value given ({@code closeTimeout must be positive,
 * not PT0S}). Never used for a secret value.
 */
public final class Checks {
    private Checks() {}

    /** @throws IllegalArgumentException unless {@code d} is above zero (a null names the setting too) */
    public static Duration positive(Duration d, String setting) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(setting + " must be positive, not " + d);
        }
        return d;
    }

    /** @throws IllegalArgumentException if {@code d} is null or below zero */
    public static Duration notNegative(Duration d, String setting) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(setting + " must not be negative, not " + d);
        }
        return d;
    }

    /** A key of a secret (the username's, say). @throws IllegalArgumentException if null or empty */
    public static String requireKey(String key, String setting) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException(setting + " must not be empty, not " + (key == null ? "null" : "''"));
        }
        return key;
    }

    /**
     * A name that becomes a path segment (an engine, a role).
     *
     * @throws IllegalArgumentException if null, blank or containing {@code /}
     */
    public static String requireName(String value, String setting) {
        if (value == null || value.isBlank() || value.contains("/")) {
            throw new IllegalArgumentException(setting + " must be a non-blank name without '/', not "
                    + (value == null ? "null" : "'" + value + "'"));
        }
        return value;
    }

    /** @throws IllegalArgumentException naming the setting if {@code value} is null */
    public static <T> T notNull(T value, String setting) {
        if (value == null) {
            throw new IllegalArgumentException(setting + " must not be null");
        }
        return value;
    }
}
