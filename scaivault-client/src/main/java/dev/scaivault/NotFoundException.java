package dev.scaivault;

import java.time.Duration;

/** ScaiVault answered 404: the secret, version or lease does not exist ({@code secret_not_found}, {@code version_not_found}, {@code lease_not_found}). */
public class NotFoundException extends ScaiVaultApiException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String message, int status, String code, String requestId, Duration retryAfter) {
        super(message, status, code, requestId, retryAfter);
    }
}
