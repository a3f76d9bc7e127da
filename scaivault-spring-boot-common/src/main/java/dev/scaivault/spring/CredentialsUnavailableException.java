package dev.scaivault.spring;

/** Startup cannot get the DataSource's credentials; the message names the source and what failed. */
final class CredentialsUnavailableException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    CredentialsUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
