package dev.scaivault;

/**
 * ScaiVault could not be reached or did not answer in time: connection refused or reset, a timeout, a
 * broken TLS handshake, or a body cut short. {@link #mayHaveReachedServer()} says whether the request may
 * have been processed anyway (the reason a write is never retried after such a failure).
 */
public class ScaiVaultIoException extends ScaiVaultException {
    private static final long serialVersionUID = 1L;

    private final boolean mayHaveReachedServer;

    public ScaiVaultIoException(String message, boolean mayHaveReachedServer, Throwable cause) {
        super(message, cause);
        this.mayHaveReachedServer = mayHaveReachedServer;
    }

    /** False only when the request certainly was not sent (connection refused, DNS, TLS handshake). */
    public boolean mayHaveReachedServer() {
        return mayHaveReachedServer;
    }
}
