package dev.scaivault;

/** A source has no valid value: it never had one, or it was closed. */
public class SecretUnavailableException extends ScaiVaultException {
    private static final long serialVersionUID = 1L;

    public SecretUnavailableException(String message) {
        super(message);
    }

    public SecretUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
