package dev.scaivault.file;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import dev.scaivault.Time;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM's one WatchService and its one thread, {@code scaivault-file-watcher-1}, shared by every file
 * source: {@code fs.inotify.max_user_instances} is shared by all containers of a UID on a node, so one
 * instance per JVM, and polling when none can be had. The thread only turns events into {@link
 * Watched#changed()} calls; when and where to read is each source's own schedule, on its own {@link Time}.
 */
final class FileWatcher {
    private static final Logger log = LoggerFactory.getLogger(FileWatcher.class);
    private static final ThreadFactory SHARED_THREAD = Time.daemons("scaivault-file-watcher");

    private static final long REGISTER_BACKOFF_MIN = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long REGISTER_BACKOFF_MAX = TimeUnit.SECONDS.toNanos(1);
    private static final long NEVER = Long.MAX_VALUE;

    /** A source as the watcher sees it. */
    interface Watched {
        /** Something happened in one of its directories (or everything must be rescanned). Returns at once. */
        void changed();
    }

    /** Creates the WatchService; injectable so tests can force polling mode. */
    @FunctionalInterface
    interface WatchServiceFactory {
        WatchService create() throws IOException;
    }

    private static final class Dir {
        final Path path;
        final Set<Watched> members = new LinkedHashSet<>();
        WatchKey key;
        long retryAt = NEVER;
        long backoff = REGISTER_BACKOFF_MIN;

        Dir(Path path) {
            this.path = path;
        }
    }

    private static FileWatcher shared;

    private final Object lock = new Object();
    private final WatchService watchService;
    private final ThreadFactory threads;
    private final Map<Path, Dir> dirs = new HashMap<>();
    private final Map<WatchKey, Dir> byKey = new HashMap<>();
    private final Set<Watched> watched = new LinkedHashSet<>();
    private Thread thread;
    private boolean closed;

    /** @param threads makes the one thread; tests give their own watchers a name of their own */
    FileWatcher(WatchServiceFactory factory, ThreadFactory threads) {
        this.threads = threads;
        WatchService ws;
        try {
            ws = factory.create();
        } catch (IOException | RuntimeException e) {
            ws = null;
            log.warn(
                    "no WatchService available ({}); secret files are polled at each source's poll interval instead",
                    e.toString());
        }
        this.watchService = ws;
    }

    /** The JVM-wide watcher; {@code -Dscaivault.file.polling=true} forces polling (for file systems without inotify). */
    static synchronized FileWatcher shared() {
        if (shared == null) {
            shared = Boolean.getBoolean("scaivault.file.polling")
                    ? new FileWatcher(
                            () -> {
                                throw new IOException("polling forced by -Dscaivault.file.polling=true");
                            },
                            SHARED_THREAD)
                    : new FileWatcher(() -> FileSystems.getDefault().newWatchService(), SHARED_THREAD);
        }
        return shared;
    }

    boolean polling() {
        return watchService == null;
    }

    /**
     * Starts watching {@code paths} for {@code w}; returns once every directory that exists is registered,
     * so the caller can load afterwards without missing an update that happens in between.
     */
    void add(Watched w, Collection<Path> paths) {
        if (watchService == null) {
            return; // polling: the sources' own polls are all there is
        }
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("file watcher is closed");
            }
            watched.add(w);
            for (Path p : paths) {
                Dir d = dirs.computeIfAbsent(p, Dir::new);
                d.members.add(w);
                if (d.key == null && d.retryAt == NEVER) {
                    register(d, System.nanoTime());
                }
            }
            if (thread == null || !thread.isAlive()) {
                // Also after a death nothing here should allow: a watcher thread that is gone stops every source.
                thread = threads.newThread(this::run);
                thread.start();
            }
        }
    }

    void remove(Watched w) {
        synchronized (lock) {
            watched.remove(w);
            for (var it = dirs.values().iterator(); it.hasNext(); ) {
                Dir d = it.next();
                if (d.members.remove(w) && d.members.isEmpty()) {
                    if (d.key != null) {
                        d.key.cancel();
                        byKey.remove(d.key);
                    }
                    it.remove();
                }
            }
        }
    }

    /** Stops the thread and the WatchService; only for watchers that are not {@link #shared()}. */
    void close() {
        synchronized (lock) {
            closed = true;
        }
        if (watchService != null) {
            try {
                watchService.close();
            } catch (IOException e) {
                log.debug("closing the WatchService failed", e);
            }
        }
    }

    /** Registers {@code d}, or plans the next try; true once registered. Called with the lock held. */
    private boolean register(Dir d, long now) {
        try {
            WatchKey k = d.path.register(watchService, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
            d.key = k;
            d.retryAt = NEVER;
            d.backoff = REGISTER_BACKOFF_MIN;
            byKey.put(k, d);
            return true;
        } catch (IOException | RuntimeException e) {
            // Missing directory (deleted, not mounted yet) or no inotify watch left: poll and retry.
            d.retryAt = now + d.backoff;
            d.backoff = Math.min(d.backoff * 2, REGISTER_BACKOFF_MAX);
            log.debug("cannot watch {} yet ({}); retrying", d.path, e.toString());
            return false;
        }
    }

    private void run() {
        try {
            while (true) {
                try {
                    if (!step()) {
                        return;
                    }
                } catch (ClosedWatchServiceException | InterruptedException e) {
                    throw e;
                } catch (RuntimeException | Error e) {
                    // This thread serves every file source in the JVM: one failure must not end it.
                    log.error("file watcher: unexpected failure; carrying on", e);
                    // Should it recur at once, a pause keeps it from filling the log in a tight loop.
                    Thread.sleep(100);
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            log.debug("file watcher stopped");
        }
    }

    /** One wait for events (or the next directory to register again), then what it brought; false once closed. */
    private boolean step() throws InterruptedException {
        long next = NEVER;
        synchronized (lock) {
            if (closed) {
                return false;
            }
            for (Dir d : dirs.values()) {
                next = Math.min(next, d.retryAt);
            }
        }
        long wait = next == NEVER ? TimeUnit.SECONDS.toNanos(1) : Math.max(0, next - System.nanoTime());
        WatchKey k = wait == 0 ? watchService.poll() : watchService.poll(wait, TimeUnit.NANOSECONDS);
        while (k != null) {
            handle(k);
            k = watchService.poll();
        }
        List<Watched> rescan = new ArrayList<>();
        long now = System.nanoTime();
        synchronized (lock) {
            for (Dir d : dirs.values()) {
                if (d.key == null && d.retryAt <= now && register(d, now)) {
                    log.info("watching {} again", d.path);
                    rescan.addAll(d.members);
                }
            }
        }
        tell(rescan);
        return true;
    }

    private void handle(WatchKey k) {
        boolean overflow = false;
        for (WatchEvent<?> e : k.pollEvents()) {
            overflow |= e.kind() == OVERFLOW;
        }
        boolean valid = k.reset();
        List<Watched> notify;
        synchronized (lock) {
            Dir d = byKey.get(k);
            if (d == null) {
                return;
            }
            if (overflow) {
                // Events were dropped, for this key or (a kernel overflow) for all: rescan everything.
                log.info("watch events overflowed in {}; rescanning every watched directory", d.path);
                notify = new ArrayList<>(watched);
            } else {
                notify = new ArrayList<>(d.members);
            }
            if (!valid) {
                // The directory was deleted or replaced: the key is dead and events queued before are lost.
                byKey.remove(k);
                d.key = null;
                d.backoff = REGISTER_BACKOFF_MIN;
                d.retryAt = System.nanoTime() + d.backoff;
                log.info("{} is gone or was replaced; watching it again once it exists", d.path);
            }
        }
        tell(notify);
    }

    private static void tell(Collection<Watched> sources) {
        for (Watched w : sources) {
            try {
                w.changed();
            } catch (RuntimeException | Error e) {
                // A source reports its own failures; this is the last line, so the other sources still hear.
                log.error("a file source failed to take a change", e);
            }
        }
    }
}
