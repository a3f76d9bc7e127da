package dev.scaivault;

import java.time.Duration;

/** ScaiVault (or ScaiKey) refused the credentials: 401 {@code authentication_required}, {@code token_expired}, {@code token_invalid}, {@code token_revoked}, or an OAuth {@code invalid_client}. */
public class AuthenticationException extends ScaiVaultApiException {
    private static final long serialVersionUID = 1L;

    public AuthenticationException(String message, int status, String code, String requestId, Duration retryAfter) {
        super(message, status, code, requestId, retryAfter);
    }
}
