package dev.scaivault;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A secret as keys and text values, wherever it came from: a version read from ScaiVault ({@link Secret}) or
 * a file a volume, the CSI driver or a sidecar wrote ({@code FileSecret}). What a credential mapping such as
 * {@code Credentials.fromKeys("username", "password")} reads.
 */
public interface SecretValues {

    /** Every key and its value as text (a JSON value that is not a string, as its JSON). */
    Map<String, String> values();

    /**
     * Where this secret came from, safe to log: {@code secret db/app v7}, {@code file /run/secrets/db
     * sha256:1f2e3d4c}.
     */
    String origin();

    /** When this secret stops working by itself, if it does. */
    default Optional<Instant> expiresAt() {
        return Optional.empty();
    }
}
