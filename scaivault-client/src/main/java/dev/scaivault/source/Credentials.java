package dev.scaivault.source;

import dev.scaivault.Checks;
import dev.scaivault.SecretValues;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

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

    /**
     * The mapping from a secret's keys to credentials, for {@link SecretSource#map}: {@code usernameKey} and
     * {@code passwordKey} name the keys, the secret's {@linkplain SecretValues#origin() origin} and expiry carry
     * over. A secret lacking either key, or holding an empty one, is refused with an {@link
     * IllegalArgumentException} naming the key, the origin and the keys present (never a value).
     */
    public static Function<SecretValues, Credentials> fromKeys(String usernameKey, String passwordKey) {
        Checks.requireKey(usernameKey, "usernameKey");
        Checks.requireKey(passwordKey, "passwordKey");
        return s -> {
            String user = s.values().get(usernameKey);
            String password = s.values().get(passwordKey);
            for (String[] kv : new String[][] {{usernameKey, user}, {passwordKey, password}}) {
                if (kv[1] == null || kv[1].isEmpty()) {
                    throw new IllegalArgumentException("key " + kv[0] + " is " + (kv[1] == null ? "missing" : "empty")
                            + " in " + s.origin() + " (keys present: "
                            + new TreeSet<>(s.values().keySet()) + ")");
                }
            }
            return new Credentials(user, password, s.origin(), s.expiresAt().orElse(null));
        };
    }

    /** {@link #fromKeys} with the keys {@code username} and {@code password}. */
    public static Function<SecretValues, Credentials> fromKeys() {
        return fromKeys("username", "password");
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
