package dev.scaivault;

import java.util.Map;

/**
 * The answer to a batch read: the secrets that were read, and per path the reason the others were not.
 * {@link #toString()} shows paths and versions only.
 */
public record BatchResult(Map<String, Secret> secrets, Map<String, Error> errors) {
    public BatchResult {
        secrets = Map.copyOf(secrets);
        errors = Map.copyOf(errors);
    }

    /** Why one path of a batch was not read: {@code secret_not_found}, {@code access_denied}, ... */
    public record Error(String code, String message) {}
}
