package dev.scaivault.file;

import dev.scaivault.AbstractSecretSource;
import dev.scaivault.SecretUnavailableException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A secret read from a file or a directory and kept fresh as kubelet, the Secrets Store CSI driver or a
 * sidecar rewrites it. Every delivered value is a whole, validated {@link FileSecret}: never empty, never
 * half-written, never a mix of two versions, and delivered once per distinct content.
 *
 * <pre>{@code
 * try (FileSecretSource db = FileSecretSource.builder(Path.of("/run/secrets/db")).build()) {
 *     db.subscribe(change -> pool.rotate(change.current().values()));
 * }
 * }</pre>
 *
 * <p>How it works (see {@code docs/files.md}): the parent directory is watched, never the file (kubelet
 * never reports the file's own name); one WatchService and one thread serve the whole JVM; a kubelet/CSI
 * volume ({@code ..data}) is read as a pinned snapshot at once, a plain file after a quiet period and two
 * identical reads; a periodic poll catches anything the watch missed. On a bad update the last good value
 * stays in force and the error is reported ({@link #status()}, the log, {@link Builder#onError}).
 */
public final class FileSecretSource extends AbstractSecretSource<FileSecret> {
    private static final Logger log = LoggerFactory.getLogger(FileSecretSource.class);
    private static final Set<FileSecretSource> LIVE = ConcurrentHashMap.newKeySet();
    private static final Duration MAX_RETRY_BACKOFF = Duration.ofSeconds(5);

    private final Path path;
    private final SnapshotReader reader;
    private final FileWatcher watcher;
    private final long quietNanos;
    private final long maxDelayNanos;
    private final long pollNanos;
    private final Consumer<? super FileSecret> validator;
    private final Consumer<? super FileSecretException> onError;
    /** A lock, not a monitor: an application thread reaches reads through refreshNow(), maybe a virtual one. */
    private final ReentrantLock reloadLock = new ReentrantLock();

    // Guarded by reloadLock.
    private Set<Path> watchedDirs = Set.of();
    private String reportedError;
    private FileSecretException lastRejection;

    private volatile boolean volume;
    private volatile CompletableFuture<Void> lastHandOff = CompletableFuture.completedFuture(null);

    private final Schedule schedule = new Schedule();

    private FileSecretSource(Builder b, Path path) {
        super("file:" + path, Clock.systemUTC());
        this.path = path;
        this.reader = new SnapshotReader(path, b.format, b.maxSize, b.settle);
        this.watcher = b.watcher != null ? b.watcher : FileWatcher.shared();
        this.quietNanos = b.quietPeriod.toNanos();
        this.maxDelayNanos = b.maxDelay.toNanos();
        this.pollNanos = b.pollInterval.toNanos();
        this.validator = b.validator;
        this.onError = b.onError;
        schedule.nextPoll = FileWatcher.now() + pollNanos;
    }

    /** A builder for a source reading {@code path}: a file, a kubelet/CSI volume directory or a plain directory. */
    public static Builder builder(Path path) {
        return new Builder(path);
    }

    /** The configured file or directory. */
    public Path path() {
        return path;
    }

    /** Re-reads at once; completes with the value in force afterwards, or fails with why the read was rejected. */
    @Override
    public CompletableFuture<FileSecret> refreshNow() {
        long deadline = FileWatcher.now() + maxDelayNanos;
        Outcome o;
        do {
            o = reload();
        } while (o == Outcome.UNSTABLE && FileWatcher.now() < deadline);
        if (isClosed()) {
            return CompletableFuture.failedFuture(new SecretUnavailableException("source " + name() + " is closed"));
        }
        return switch (o) {
            case OK -> CompletableFuture.completedFuture(current());
            case REJECTED -> CompletableFuture.failedFuture(lastRejection());
            case UNSTABLE ->
                CompletableFuture.failedFuture(new FileSecretException(
                        path, path + " kept changing for " + maxDelayNanos / 1_000_000 + " ms"));
        };
    }

    /** Re-reads every open file source in the JVM (what {@link SighupReload} does on SIGHUP). */
    static void refreshAll() {
        for (FileSecretSource s : LIVE) {
            s.refreshNow().exceptionally(e -> null);
        }
    }

    @Override
    public void close() {
        LIVE.remove(this);
        // Under the read lock, so a read in progress cannot add the directories back afterwards.
        reloadLock.lock();
        try {
            super.close();
            watcher.remove(schedule);
        } finally {
            reloadLock.unlock();
        }
    }

    /** Completes when every listener has let go of the value the last change replaced. */
    CompletableFuture<Void> lastHandOff() {
        return lastHandOff;
    }

    private FileSecretException lastRejection() {
        reloadLock.lock();
        try {
            return lastRejection;
        } finally {
            reloadLock.unlock();
        }
    }

    enum Outcome {
        OK,
        UNSTABLE,
        REJECTED
    }

    /**
     * One read through the snapshot + validate + change-gate path; every trigger ends up here. Whatever goes
     * wrong in it (a validator's {@code AssertionError}, an allocation that fails) fails this read only: the
     * last good value stays, the error is reported, and the next trigger reads again.
     */
    Outcome reload() {
        reloadLock.lock();
        try {
            if (isClosed()) {
                return Outcome.OK;
            }
            return read();
        } catch (RuntimeException | Error e) {
            return reject(
                    new FileSecretException(
                            path,
                            "reading " + path + " failed unexpectedly: "
                                    + e.getClass().getName(),
                            e),
                    "unexpected:" + e.getClass().getName());
        } finally {
            reloadLock.unlock();
        }
    }

    private Outcome read() {
        watchMore();
        SnapshotReader.Result r;
        try {
            r = reader.read();
        } catch (SnapshotReader.Rejected e) {
            return reject(e.error, e.fingerprint);
        }
        volume = r.volume();
        if (r.unstable() != null) {
            log.debug("{}: {}; reading again", name(), r.unstable());
            return Outcome.UNSTABLE;
        }
        FileSecret next = r.secret();
        FileSecret cur = currentOrNull();
        if (cur != null && cur.sha256().equals(next.sha256())) {
            if (reportedError != null) {
                log.info("{} is valid again (sha256 {}), unchanged", name(), prefix(next));
            }
            reportedError = null;
            recordSuccess();
            return Outcome.OK;
        }
        if (validator != null) {
            try {
                validator.accept(next);
            } catch (RuntimeException | Error e) {
                // An assert in a validator throws AssertionError: a rejection like any other.
                return reject(
                        new FileSecretException(
                                path,
                                path + " was rejected by the validator: "
                                        + (e instanceof Error ? e.getClass().getName() + ": " : "") + e.getMessage(),
                                e),
                        next.sha256());
            }
        }
        reportedError = null;
        log.info(
                "{} loaded ({}, keys {}{}, sha256 {})",
                name(),
                Formats.name(next.format()),
                next.values().keySet(),
                next.version().map(v -> ", version " + v).orElse(""),
                prefix(next));
        lastHandOff = publish(next);
        return Outcome.OK;
    }

    /*
     * What to watch can change: a path missing at start may appear as a directory (then its own events
     * matter), a symlink may be pointed into another volume. Directories are only added, never dropped, so
     * a flapping path cannot make the source miss an update.
     */
    private void watchMore() {
        Set<Path> dirs = SnapshotReader.dirsToWatch(path);
        if (!watchedDirs.containsAll(dirs)) {
            Set<Path> all = new java.util.LinkedHashSet<>(watchedDirs);
            all.addAll(dirs);
            watchedDirs = Set.copyOf(all);
            watcher.add(schedule, dirs);
        }
    }

    private Outcome reject(FileSecretException e, String fingerprint) {
        lastRejection = e;
        recordFailure(e.getMessage());
        String key = fingerprint + '|' + e.getMessage();
        if (!key.equals(reportedError)) {
            reportedError = key;
            log.warn(
                    "{}: {}; {}",
                    name(),
                    e.getMessage(),
                    currentOrNull() == null ? "no value yet" : "keeping the last good value");
            if (onError != null) {
                try {
                    onError.accept(e);
                } catch (RuntimeException | Error ex) {
                    log.warn("error listener of {} failed", name(), ex);
                }
            }
        }
        return Outcome.REJECTED;
    }

    private static String prefix(FileSecret s) {
        return s.sha256().substring(0, 8);
    }

    /** When to read: touched only by the watcher thread (and by the constructor, before it is added). */
    private final class Schedule implements FileWatcher.Watched {
        private long dirtySince = -1;
        private long lastEvent;
        private long retryAt = FileWatcher.NEVER;
        private long retryBackoff;
        private long nextPoll;

        @Override
        public void dirty(long now) {
            if (dirtySince < 0) {
                dirtySince = now;
            }
            lastEvent = now;
            if (!volume && (SnapshotReader.isVolume(path) || SnapshotReader.isVolume(path.getParent()))) {
                // A directory that was empty or plain at start became a volume (a CSI provider's first atomic
                // write): its update is a pinned snapshot, read at once, not debounced like a sidecar's file.
                volume = true;
            }
        }

        @Override
        public long due() {
            long d = Math.min(nextPoll, retryAt);
            if (dirtySince >= 0) {
                // A volume is read through a pinned snapshot, so it needs no debounce.
                long settled = volume ? lastEvent : Math.min(lastEvent + quietNanos, dirtySince + maxDelayNanos);
                d = Math.min(d, settled);
            }
            return d;
        }

        @Override
        public void runIfDue(long now) {
            if (now < due()) {
                return;
            }
            dirtySince = -1;
            retryAt = FileWatcher.NEVER;
            nextPoll = now + pollNanos;
            switch (reload()) {
                case OK -> retryBackoff = 0;
                case UNSTABLE -> retryAt = FileWatcher.now() + quietNanos;
                case REJECTED -> {
                    // An update may be mid-way (an in-place write paused between parts): look again, less often.
                    retryBackoff = retryBackoff == 0
                            ? Math.max(quietNanos, 50_000_000L)
                            : Math.min(retryBackoff * 2, Math.min(MAX_RETRY_BACKOFF.toNanos(), pollNanos));
                    retryAt = FileWatcher.now() + retryBackoff;
                }
            }
        }
    }

    private void start(boolean startEmpty) {
        reloadLock.lock();
        try {
            watchMore();
        } finally {
            reloadLock.unlock();
        }
        long deadline = FileWatcher.now() + maxDelayNanos;
        Outcome o;
        do {
            o = reload();
        } while (o == Outcome.UNSTABLE && FileWatcher.now() < deadline);
        if (o != Outcome.OK && !startEmpty) {
            FileSecretException e = o == Outcome.REJECTED
                    ? lastRejection()
                    : new FileSecretException(path, path + " kept changing for " + maxDelayNanos / 1_000_000 + " ms");
            close();
            throw new FileSecretException(path, "cannot start " + name() + ": " + e.getMessage(), e);
        }
        LIVE.add(this);
    }

    /** Configuration of a {@link FileSecretSource}; every setting has a default that suits Kubernetes. */
    public static final class Builder {
        private final Path path;
        private FileFormat format = FileFormat.AUTO;
        private Duration quietPeriod = Duration.ofMillis(200);
        private Duration maxDelay = Duration.ofSeconds(2);
        private Duration pollInterval = Duration.ofSeconds(60);
        private long maxSize = 1024 * 1024;
        private Duration settle = Duration.ofMillis(25);
        private Consumer<? super FileSecret> validator;
        private Consumer<? super FileSecretException> onError;
        private boolean startEmpty;
        private FileWatcher watcher;

        private Builder(Path path) {
            this.path = Objects.requireNonNull(path, "FileSecretSource: path must not be null")
                    .toAbsolutePath()
                    .normalize();
        }

        /** How the content is read; {@link FileFormat#AUTO} (the default) decides per read. */
        public Builder format(FileFormat format) {
            this.format = Objects.requireNonNull(format, "format must not be null");
            return this;
        }

        /**
         * For plain files (sidecars): how long the directory must be quiet before the file is read (default
         * 200 ms). Kubelet/CSI volumes are read at once.
         */
        public Builder quietPeriod(Duration quietPeriod) {
            this.quietPeriod = positive("quietPeriod", quietPeriod);
            return this;
        }

        /** Under a constant stream of events, read no later than this after the first one (default 2 s). */
        public Builder maxDelay(Duration maxDelay) {
            this.maxDelay = positive("maxDelay", maxDelay);
            return this;
        }

        /** The safety-net poll, also the only detection when no WatchService can be had (default 60 s). */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = positive("pollInterval", pollInterval);
            return this;
        }

        /** The largest file (or directory, all files together) accepted, in bytes (default 1 MiB). */
        public Builder maxSize(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxSize must be positive: " + bytes);
            }
            this.maxSize = bytes;
            return this;
        }

        /**
         * A check of your own, run on every new snapshot before it is applied: throw to reject it (the last
         * good value stays). The exception's message is reported, so it must not contain the secret.
         */
        public Builder validator(Consumer<? super FileSecret> validator) {
            this.validator = Objects.requireNonNull(validator, "validator");
            return this;
        }

        /**
         * Called once for each distinct rejected update (missing, too big, unparsable, refused by the
         * validator), on the thread that read the file: return quickly.
         */
        public Builder onError(Consumer<? super FileSecretException> onError) {
            this.onError = Objects.requireNonNull(onError, "onError");
            return this;
        }

        /**
         * Lets {@link #build()} succeed without a valid value (fail-closed is the default): {@link
         * FileSecretSource#current()} throws until the file becomes valid.
         */
        public Builder startEmpty() {
            this.startEmpty = true;
            return this;
        }

        Path path() {
            return path;
        }

        Consumer<? super FileSecret> validator() {
            return validator;
        }

        // Tests: the second read of a plain file happens this long after the first.
        Builder settle(Duration settle) {
            this.settle = Objects.requireNonNull(settle, "settle");
            return this;
        }

        // Tests: a watcher of their own (polling mode, say) instead of the JVM-wide one.
        Builder watcher(FileWatcher watcher) {
            this.watcher = Objects.requireNonNull(watcher, "watcher");
            return this;
        }

        /**
         * Registers the watch, then loads the value.
         *
         * @throws FileSecretException naming the file and what was wrong if there is no valid value (unless
         *     {@link #startEmpty()})
         */
        public FileSecretSource build() {
            FileSecretSource s = new FileSecretSource(this, path);
            s.start(startEmpty);
            return s;
        }

        private static Duration positive(String what, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive: " + d);
            }
            return d;
        }
    }
}
