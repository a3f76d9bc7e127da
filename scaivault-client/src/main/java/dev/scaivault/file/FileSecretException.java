package dev.scaivault.file;

import dev.scaivault.ScaiVaultException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A secret file is missing, unreadable, too big or does not parse. The message names the file and what was
 * wrong (a line number, a key), never the content.
 */
public class FileSecretException extends ScaiVaultException {
    private static final long serialVersionUID = 1L;

    private final transient Path path;

    public FileSecretException(Path path, String message) {
        super(message);
        this.path = Objects.requireNonNull(path, "path");
    }

    public FileSecretException(Path path, String message, Throwable cause) {
        super(message, cause);
        this.path = Objects.requireNonNull(path, "path");
    }

    /** The configured file or directory. */
    public Path path() {
        return path;
    }
}
