package dev.scaivault.file;

import dev.scaivault.Backoff;
import dev.scaivault.SecretUnavailableException;
import dev.scaivault.Time;
import dev.scaivault.source.AbstractSecretSource;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source {@link FileSource} builds. Reads go through {@link SnapshotReader} (pinned volume snapshots,
 * settled plain files), then the validator, then a change gate; every trigger ends in {@link #reload()}. The
 * triggers are the JVM-wide {@link FileWatcher}'s events and the periodic poll; when to read after an event
 * (at once for a volume, after a quiet period for a sidecar's file), the retries and the poll are timers on
 * the source's {@link Time}, and the reads run on its I/O executor.
 */
final class WatchedFile extends AbstractSecretSource<FileSecret> implements FileWatcher.Watched {
    private static final Logger log = LoggerFactory.getLogger(WatchedFile.class);
    private static final Set<WatchedFile> LIVE = ConcurrentHashMap.newKeySet();

    private final Path path;
    private final SnapshotReader reader;
    private final FileWatcher watcher;
    private final Time time;
    private final Duration quietPeriod;
    private final Duration maxDelay;
    private final Duration pollInterval;
    private final Backoff retryBackoff;
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

    /** Guards the schedule below. */
    private final Object scheduleLock = new Object();

    private Instant firstEvent; // guarded by scheduleLock: since when changes wait to be read
    private ScheduledFuture<?> pendingRead; // guarded by scheduleLock
    private ScheduledFuture<?> poll; // guarded by scheduleLock
    private int rejectedInARow; // guarded by scheduleLock

    WatchedFile(FileSource.Builder b) {
        super("file:" + b.path, b.time.clock());
        this.path = b.path;
        this.reader = new SnapshotReader(path, b.format, b.maxSize, b.settle);
        this.watcher = b.watcher != null ? b.watcher : FileWatcher.shared();
        this.time = b.time;
        this.quietPeriod = b.quietPeriod;
        this.maxDelay = b.maxDelay;
        this.pollInterval = b.pollInterval;
        // An update may be mid-way (an in-place write paused between parts): look again, less often each time.
        Duration first = quietPeriod.compareTo(Duration.ofMillis(50)) > 0 ? quietPeriod : Duration.ofMillis(50);
        Duration cap = pollInterval.compareTo(Duration.ofSeconds(5)) < 0 ? pollInterval : Duration.ofSeconds(5);
        this.retryBackoff = Backoff.exponential(first, cap.compareTo(first) < 0 ? first : cap);
        this.validator = b.validator;
        this.onError = b.onError;
    }

    /** The configured file or directory. */
    Path path() {
        return path;
    }

    /**
     * Re-reads at once, on the calling thread; completes with the value in force afterwards, or fails with
     * why the read was rejected. A file still being written is read again for up to the max delay.
     */
    @Override
    public CompletableFuture<FileSecret> refreshNow() {
        Outcome o = reloadSettled();
        if (isClosed()) {
            return CompletableFuture.failedFuture(new SecretUnavailableException("source " + name() + " is closed"));
        }
        return switch (o) {
            case OK -> CompletableFuture.completedFuture(current());
            case REJECTED -> CompletableFuture.failedFuture(lastRejection());
            case UNSTABLE ->
                CompletableFuture.failedFuture(
                        new FileSecretException(path, path + " kept changing for " + maxDelay.toMillis() + " ms"));
        };
    }

    /**
     * Reads until the content holds still or the max delay passed: a real-time wait, since it waits for a real
     * writer on the calling thread.
     */
    private Outcome reloadSettled() {
        long deadline = System.nanoTime() + maxDelay.toNanos();
        Outcome o;
        do {
            o = reload();
        } while (o == Outcome.UNSTABLE && System.nanoTime() < deadline);
        return o;
    }

    /** Re-reads every open file source in the JVM (what {@link SighupReload} does on SIGHUP). */
    static void refreshAll() {
        for (WatchedFile s : LIVE) {
            s.refreshNow().exceptionally(e -> null);
        }
    }

    @Override
    public void close() {
        LIVE.remove(this);
        synchronized (scheduleLock) {
            cancel(pendingRead);
            cancel(poll);
        }
        // Under the read lock, so a read in progress cannot add the directories back afterwards.
        reloadLock.lock();
        try {
            super.close();
            watcher.remove(this);
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
            watcher.add(this, dirs);
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

    // ---------------------------------------------------------------- when to read

    /**
     * An event in one of our directories (the watcher thread): a volume is read at once, through a pinned
     * snapshot; a sidecar's plain file after the quiet period, but no later than the max delay after the first
     * event of a stream.
     */
    @Override
    public void changed() {
        if (!volume && (SnapshotReader.isVolume(path) || SnapshotReader.isVolume(path.getParent()))) {
            // A directory that was empty or plain at start became a volume (a CSI provider's first atomic
            // write): its update is a pinned snapshot, read at once, not debounced like a sidecar's file.
            volume = true;
        }
        Instant now = time.now();
        synchronized (scheduleLock) {
            if (isClosed()) {
                return;
            }
            if (firstEvent == null) {
                firstEvent = now;
            }
            Duration delay = Duration.ZERO;
            if (!volume) {
                Duration untilMax = Duration.between(now, firstEvent.plus(maxDelay));
                delay = quietPeriod.compareTo(untilMax) < 0 ? quietPeriod : untilMax;
            }
            readLocked(delay);
        }
    }

    // Called with scheduleLock held.
    private void readLocked(Duration delay) {
        cancel(pendingRead);
        pendingRead = time.schedule(delay, this::scheduledRead);
    }

    private void scheduledRead() {
        synchronized (scheduleLock) {
            firstEvent = null;
        }
        Outcome o = reload();
        synchronized (scheduleLock) {
            if (isClosed()) {
                return;
            }
            switch (o) {
                case OK -> rejectedInARow = 0;
                case UNSTABLE -> {
                    if (firstEvent == null) {
                        readLocked(quietPeriod);
                    }
                }
                case REJECTED -> {
                    if (firstEvent == null) {
                        readLocked(retryBackoff.delay(++rejectedInARow));
                    }
                }
            }
        }
    }

    /** The safety net: a read every poll interval, also the only trigger when no WatchService can be had. */
    private void schedulePoll() {
        synchronized (scheduleLock) {
            if (!isClosed()) {
                poll = time.schedule(pollInterval, () -> {
                    try {
                        scheduledRead();
                    } finally {
                        schedulePoll();
                    }
                });
            }
        }
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    void start(boolean startWithoutValue) {
        reloadLock.lock();
        try {
            watchMore();
        } finally {
            reloadLock.unlock();
        }
        Outcome o = reloadSettled();
        if (o != Outcome.OK && !startWithoutValue) {
            FileSecretException e = o == Outcome.REJECTED
                    ? lastRejection()
                    : new FileSecretException(path, path + " kept changing for " + maxDelay.toMillis() + " ms");
            close();
            throw new FileSecretException(path, "cannot start " + name() + ": " + e.getMessage(), e);
        }
        if (o == Outcome.UNSTABLE) {
            synchronized (scheduleLock) {
                readLocked(quietPeriod);
            }
        }
        schedulePoll();
        LIVE.add(this);
    }
}
