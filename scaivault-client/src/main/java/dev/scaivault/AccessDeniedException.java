package dev.scaivault;

import java.time.Duration;

/** ScaiVault answered 403: the identity may not do this ({@code access_denied}, {@code insufficient_scope}, ...). Never retried. */
public class AccessDeniedException extends ScaiVaultApiException {
    private static final long serialVersionUID = 1L;

    public AccessDeniedException(String message, int status, String code, String requestId, Duration retryAfter) {
        super(message, status, code, requestId, retryAfter);
    }
}
