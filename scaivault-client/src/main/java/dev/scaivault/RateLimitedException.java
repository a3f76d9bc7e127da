package dev.scaivault;

import java.time.Duration;

/** ScaiVault answered 429 {@code rate_limited}: the token bucket of this identity is empty; {@link #retryAfter()} says for how long. */
public class RateLimitedException extends ScaiVaultApiException {
    private static final long serialVersionUID = 1L;

    public RateLimitedException(String message, int status, String code, String requestId, Duration retryAfter) {
        super(message, status, code, requestId, retryAfter);
    }
}
