package dev.scaivault;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A username and password, with where they came from. Immutable; {@link #toString()} never shows the
 * password.
 */
public final class Credentials {
    private final String username;
    private final String password;
    private final String origin;
    private final Instant expiresAt;

    private Credentials(String username, String password, String origin, Instant expiresAt) {
        this.username = Objects.requireNonNull(username, "username");
        this.password = Objects.requireNonNull(password, "password");
        this.origin = Objects.requireNonNull(origin, "origin");
        this.expiresAt = expiresAt;
    }

    /** Credentials that do not expire by themselves. */
    public static Credentials of(String username, String password, String origin) {
        return new Credentials(username, password, origin, null);
    }

    /** Credentials that stop working at {@code expiresAt} (a lease, for example). */
    public static Credentials of(String username, String password, String origin, Instant expiresAt) {
        return new Credentials(username, password, origin, Objects.requireNonNull(expiresAt, "expiresAt"));
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    /**
     * Where these credentials came from, safe to log: {@code lease lease_123}, {@code secret db/app v7},
     * {@code file /run/secrets/db sha256:1f2e...}.
     */
    public String origin() {
        return origin;
    }

    /** When these credentials stop working, if they expire by themselves. */
    public Optional<Instant> expiresAt() {
        return Optional.ofNullable(expiresAt);
    }

    /** Same username and password, whatever the origin. */
    public boolean sameSecretAs(Credentials other) {
        return other != null && username.equals(other.username) && password.equals(other.password);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Credentials c
                && username.equals(c.username)
                && password.equals(c.password)
                && origin.equals(c.origin)
                && Objects.equals(expiresAt, c.expiresAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(username, password, origin, expiresAt);
    }

    @Override
    public String toString() {
        return "Credentials{username=" + username + ", password=<redacted>, origin=" + origin
                + (expiresAt != null ? ", expiresAt=" + expiresAt : "") + '}';
    }
}
