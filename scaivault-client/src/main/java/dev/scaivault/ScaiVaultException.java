package dev.scaivault;

/**
 * Base of every exception this library throws. Messages name what failed and where (a path, a setting, a
 * file, a request id), never a secret value.
 */
public class ScaiVaultException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ScaiVaultException(String message) {
        super(message);
    }

    public ScaiVaultException(String message, Throwable cause) {
        super(message, cause);
    }
}
