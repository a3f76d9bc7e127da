package dev.scaivault.file;

import dev.scaivault.AbstractSecretSource;
import dev.scaivault.Credentials;
import dev.scaivault.HandOff;
import dev.scaivault.SourceStatus;
import dev.scaivault.Subscription;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A username and password read from a file ({@code {"username": "...", "password": "..."}}, dotenv,
 * properties, an envelope) or from a volume directory with one file per key, kept fresh like a {@link
 * FileSecretSource}. A file lacking either key is rejected like any invalid update: the last good
 * credentials stay in force.
 *
 * <p>Each change's hand-off is passed through: the underlying file source counts this source's consumers,
 * so the previous credentials are let go only when every consumer (a pool draining old connections) has
 * completed its hand-off.
 */
public final class FileCredentialSource extends AbstractSecretSource<Credentials> {
    private final FileSecretSource files;
    private final String usernameKey;
    private final String passwordKey;
    private final Subscription subscription;

    // Touched only on the file source's dispatch thread (and before subscribing).
    private String publishedSha;

    private FileCredentialSource(Builder b) {
        super("file:" + b.files.path(), Clock.systemUTC());
        this.usernameKey = b.usernameKey;
        this.passwordKey = b.passwordKey;
        Consumer<? super FileSecret> own = b.validator != null ? b.validator : b.files.validator();
        b.files.validator(s -> {
            requireKeys(s);
            if (own != null) {
                own.accept(s);
            }
        });
        this.files = b.files.build();
        try {
            FileSecret first = files.status().hasValue() ? files.current() : null;
            if (first != null) {
                publishedSha = first.sha256();
                publish(toCredentials(first));
            }
            this.subscription = files.subscribe(change -> {
                FileSecret s = change.current();
                if (s.sha256().equals(publishedSha)) {
                    return;
                }
                publishedSha = s.sha256();
                HandOff handOff = change.deferHandOff();
                publish(toCredentials(s)).whenComplete((v, e) -> handOff.complete());
            });
        } catch (RuntimeException e) {
            files.close();
            throw e;
        }
    }

    /** A builder for credentials from {@code path}: a file, a kubelet/CSI volume or a plain directory. */
    public static Builder builder(Path path) {
        return new Builder(path);
    }

    FileSecretSource files() {
        return files;
    }

    private void requireKeys(FileSecret s) {
        for (String k : new String[] {usernameKey, passwordKey}) {
            if (!s.values().containsKey(k)) {
                throw new IllegalArgumentException(
                        "key " + k + " is missing (keys present: " + s.values().keySet() + ")");
            }
        }
    }

    private Credentials toCredentials(FileSecret s) {
        return Credentials.of(
                s.values().get(usernameKey),
                s.values().get(passwordKey),
                "file " + s.path() + " sha256:" + s.sha256().substring(0, 8));
    }

    @Override
    public CompletableFuture<Credentials> refreshNow() {
        return files.refreshNow().thenApply(this::toCredentials);
    }

    /** The health of the underlying file source, under this source's name. */
    @Override
    public SourceStatus status() {
        SourceStatus f = files.status();
        return new SourceStatus(
                name(), f.hasValue() && !isClosed(), f.lastSuccess(), f.lastError(), f.lastErrorAt(), f.validUntil());
    }

    @Override
    public void close() {
        subscription.close();
        files.close();
        super.close();
    }

    /** Configuration of a {@link FileCredentialSource}. */
    public static final class Builder {
        private final FileSecretSource.Builder files;
        private String usernameKey = "username";
        private String passwordKey = "password";
        private Consumer<? super FileSecret> validator;

        private Builder(Path path) {
            this.files = FileSecretSource.builder(path);
        }

        /** The key holding the username (default {@code username}). */
        public Builder usernameKey(String key) {
            this.usernameKey = requireKey(key, "usernameKey");
            return this;
        }

        /** The key holding the password (default {@code password}). */
        public Builder passwordKey(String key) {
            this.passwordKey = requireKey(key, "passwordKey");
            return this;
        }

        /** Everything else (format, quiet period, poll interval, size cap, validator, error listener, ...). */
        public Builder files(Consumer<FileSecretSource.Builder> configure) {
            configure.accept(files);
            return this;
        }

        /** A check of your own on each new snapshot, after the two keys were found; throw to reject it. */
        public Builder validator(Consumer<? super FileSecret> validator) {
            this.validator = Objects.requireNonNull(validator, "validator");
            return this;
        }

        /**
         * Registers the watch and loads the credentials.
         *
         * @throws FileSecretException if the file is missing, invalid or lacks a key (unless the file source
         *     was configured to {@linkplain FileSecretSource.Builder#startEmpty() start empty})
         */
        public FileCredentialSource build() {
            return new FileCredentialSource(this);
        }

        private static String requireKey(String key, String setting) {
            if (key == null || key.isEmpty()) {
                throw new IllegalArgumentException(setting + " must not be empty");
            }
            return key;
        }
    }
}
