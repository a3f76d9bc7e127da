package dev.scaivault.file;

import dev.scaivault.Checks;
import dev.scaivault.Time;
import dev.scaivault.source.SecretSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A secret read from a file or a directory and kept fresh as kubelet, the Secrets Store CSI driver or a
 * sidecar rewrites it. Every delivered value is a whole, validated {@link FileSecret}: never empty, never
 * half-written, never a mix of two versions, and delivered once per distinct content.
 *
 * <pre>{@code
 * SecretSource<Credentials> db = FileSource.builder(Path.of("/run/secrets/db"))
 *         .build()
 *         .map(Credentials.fromKeys("username", "password"));
 * }</pre>
 *
 * <p>How it works (see {@code docs/files.md}): the parent directory is watched, never the file (kubelet
 * never reports the file's own name); one WatchService and one thread serve the whole JVM; a kubelet/CSI
 * volume ({@code ..data}) is read as a pinned snapshot at once, a plain file after a quiet period and two
 * identical reads; a periodic poll catches anything the watch missed. On a bad update the last good value
 * stays in force and the error is reported ({@code status()}, the log, {@link Builder#onError}). Every file
 * is read through {@link dev.scaivault.BoundedFiles}: never a FIFO or device, never past {@link
 * Builder#maxSize}.
 */
public final class FileSource {
    private FileSource() {}

    /** A builder for a source reading {@code path}: a file, a kubelet/CSI volume directory or a plain directory. */
    public static Builder builder(Path path) {
        return new Builder(path);
    }

    /** Configuration of a file source; every setting has a default that suits Kubernetes. */
    public static final class Builder {
        final Path path;
        FileFormat format = FileFormat.AUTO;
        Duration quietPeriod = Duration.ofMillis(200);
        Duration maxDelay = Duration.ofSeconds(2);
        Duration pollInterval = Duration.ofSeconds(60);
        long maxSize = 1024 * 1024;
        Duration settle = Duration.ofMillis(25);
        Consumer<? super FileSecret> validator;
        Consumer<? super FileSecretException> onError;
        boolean startWithoutValue;
        Time time = Time.system();
        FileWatcher watcher;

        private Builder(Path path) {
            this.path = Checks.notNull(path, "path").toAbsolutePath().normalize();
        }

        /** How the content is read; {@link FileFormat#AUTO} (the default) decides per read. */
        public Builder format(FileFormat format) {
            this.format = Checks.notNull(format, "format");
            return this;
        }

        /**
         * For plain files (sidecars): how long the directory must be quiet before the file is read (default
         * 200 ms). Kubelet/CSI volumes are read at once.
         */
        public Builder quietPeriod(Duration quietPeriod) {
            this.quietPeriod = Checks.positive(quietPeriod, "quietPeriod");
            return this;
        }

        /** Under a constant stream of events, read no later than this after the first one (default 2 s). */
        public Builder maxDelay(Duration maxDelay) {
            this.maxDelay = Checks.positive(maxDelay, "maxDelay");
            return this;
        }

        /** The safety-net poll, also the only detection when no WatchService can be had (default 60 s). */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = Checks.positive(pollInterval, "pollInterval");
            return this;
        }

        /** The largest file (or directory, all files together) accepted, in bytes (default 1 MiB). */
        public Builder maxSize(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxSize must be positive, not " + bytes);
            }
            this.maxSize = bytes;
            return this;
        }

        /**
         * A check of your own, run on every new snapshot before it is applied: throw to reject it (the last
         * good value stays). The exception's message is reported, so it must not contain the secret.
         */
        public Builder validator(Consumer<? super FileSecret> validator) {
            this.validator = Checks.notNull(validator, "validator");
            return this;
        }

        /**
         * Called once for each distinct rejected update (missing, too big, unparsable, refused by the
         * validator), on the thread that read the file: return quickly.
         */
        public Builder onError(Consumer<? super FileSecretException> onError) {
            this.onError = Checks.notNull(onError, "onError");
            return this;
        }

        /**
         * Lets {@link #build()} succeed without a valid value (fail-closed is the default): {@code current()}
         * throws until the file becomes valid.
         */
        public Builder startWithoutValue() {
            this.startWithoutValue = true;
            return this;
        }

        /**
         * The time the source's schedule runs on (default {@link Time#system()}): the debounce after an event,
         * retries and the periodic poll. The reads themselves wait for a real writer in real time.
         */
        public Builder time(Time time) {
            this.time = Checks.notNull(time, "time");
            return this;
        }

        // Tests: the second read of a plain file happens this long after the first.
        Builder settle(Duration settle) {
            this.settle = Checks.notNull(settle, "settle");
            return this;
        }

        // Tests: a watcher of their own (polling mode, say) instead of the JVM-wide one.
        Builder watcher(FileWatcher watcher) {
            this.watcher = Checks.notNull(watcher, "watcher");
            return this;
        }

        /**
         * Registers the watch, then loads the value.
         *
         * @throws FileSecretException naming the file and what was wrong if there is no valid value (unless
         *     {@link #startWithoutValue()})
         */
        public SecretSource<FileSecret> build() {
            WatchedFile s = new WatchedFile(this);
            s.start(startWithoutValue);
            return s;
        }
    }
}
