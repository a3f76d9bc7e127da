package dev.scaivault;

import java.time.Duration;
import java.util.Optional;

/**
 * ScaiVault answered with an error. Carries the HTTP status, the error {@code code} from the envelope
 * ({@code "http_<status>"} when the body was not the JSON envelope), and the {@code X-Request-ID} to quote
 * when asking for help. The message never contains a secret.
 */
public class ScaiVaultApiException extends ScaiVaultException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final String requestId;
    private final transient Duration retryAfter;

    public ScaiVaultApiException(String message, int status, String code, String requestId, Duration retryAfter) {
        super(message);
        this.status = status;
        this.code = code;
        this.requestId = requestId;
        this.retryAfter = retryAfter;
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** The error code from the envelope, such as {@code secret_not_found}; {@code http_502} without one. */
    public String code() {
        return code;
    }

    /** The server's request id ({@code req_...}), if it sent one. */
    public Optional<String> requestId() {
        return Optional.ofNullable(requestId);
    }

    /** For {@code rate_limited} (and any answer with {@code Retry-After}): how long the server asks us to wait. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
