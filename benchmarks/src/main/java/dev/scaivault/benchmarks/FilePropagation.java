package dev.scaivault.benchmarks;

import dev.scaivault.file.FileSecret;
import dev.scaivault.file.FileSource;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.files.KubeletVolume;
import dev.scaivault.testkit.files.RenameOverWriter;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * How long a new secret takes to reach a listener, measured from the writer's atomic step: for a kubelet
 * volume from {@code rename(..data_tmp, ..data)}, for a plain file from consul-template's {@code rename(tmp,
 * dest)}. Next to it, the floor in the same run: how long the JDK's own {@code WatchService} takes to report
 * a rename in a watched directory to a thread waiting for it (timed from just before the rename call).
 * Prints p50/p90/p99/max over 200 updates each (after 20 warm-up updates). Not a test, and not JMH: each
 * sample is one real file update observed through the real WatchService.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.scaivault.benchmarks.FilePropagation [updates]</pre>
 *
 * Targets: volume p99 &lt;= 20 ms; plain file p99 &lt;= quiet period (200 ms) + 100 ms.
 */
public final class FilePropagation {
    private static final int WARMUP = 20;

    /** The three measurements, in nanoseconds per update. */
    record Samples(long[] watchService, long[] volume, long[] plainFile) {}

    private FilePropagation() {}

    public static void main(String[] args) throws Exception {
        int updates = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Samples s = measure(updates);
        report("JDK WatchService alone (rename in a watched directory to the waiting thread)", s.watchService());
        report("kubelet volume (rename ..data_tmp -> ..data to listener)", s.volume());
        report("plain file, quiet period 200 ms (rename tmp -> dest to listener)", s.plainFile());
        System.exit(0);
    }

    static Samples measure(int updates) throws Exception {
        Path root = Files.createTempDirectory("scaivault-propagation");
        try {
            return new Samples(
                    watchService(root.resolve("bare"), updates),
                    volume(root.resolve("vol"), updates),
                    plainFile(root.resolve("emptydir"), updates));
        } finally {
            try (Stream<Path> walk = Files.walk(root)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static long[] watchService(Path dir, int updates) throws Exception {
        Files.createDirectories(dir);
        BlockingQueue<Long> created = new ArrayBlockingQueue<>(16);
        try (WatchService ws = FileSystems.getDefault().newWatchService()) {
            dir.register(
                    ws,
                    StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_DELETE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
            // Waiting before the rename, as a watcher does: the time counts from the rename to its wake-up.
            Thread waiter = new Thread(
                    () -> {
                        try {
                            while (true) {
                                WatchKey key = ws.take();
                                long at = System.nanoTime();
                                for (WatchEvent<?> e : key.pollEvents()) {
                                    if (e.kind() == StandardWatchEventKinds.ENTRY_CREATE
                                            && String.valueOf(e.context()).equals("db.json")) {
                                        created.add(at);
                                    }
                                }
                                key.reset();
                            }
                        } catch (InterruptedException | ClosedWatchServiceException e) {
                            // Done.
                        }
                    },
                    "scaivault-bench-watch");
            waiter.setDaemon(true);
            waiter.start();
            long[] samples = new long[updates];
            for (int i = 1; i <= WARMUP + updates; i++) {
                Path tmp = dir.resolve("db.json.tmp");
                Files.writeString(tmp, "{\"password\":\"v" + i + "\"}");
                // Timed from just before the rename: the waiter often wakes before the rename call returns here.
                long renamed = System.nanoTime();
                Files.move(tmp, dir.resolve("db.json"), StandardCopyOption.ATOMIC_MOVE);
                Long at = created.poll(5, TimeUnit.SECONDS);
                if (at == null) {
                    throw new IllegalStateException("the WatchService reported no rename within 5 s");
                }
                if (i > WARMUP) {
                    samples[i - WARMUP - 1] = at - renamed;
                }
                // Let the watcher go idle, so each sample is one update on its own.
                Thread.sleep(Duration.ofMillis(10).toMillis());
            }
            waiter.interrupt();
            return samples;
        }
    }

    private static long[] volume(Path dir, int updates) throws Exception {
        KubeletVolume vol = KubeletVolume.at(dir);
        vol.writeStrings(Map.of("username", "app", "password", "v0"));
        try (SecretSource<FileSecret> s = FileSource.builder(dir).build()) {
            return measure(s, updates, i -> {
                vol.writeStrings(Map.of("username", "app", "password", "v" + i));
                return vol::lastSwapNanos;
            });
        }
    }

    private static long[] plainFile(Path dir, int updates) throws Exception {
        Files.createDirectories(dir);
        Path f = dir.resolve("db.json");
        RenameOverWriter w = new RenameOverWriter();
        w.write(f, "{\"password\":\"v0\"}");
        try (SecretSource<FileSecret> s = FileSource.builder(f).build()) {
            return measure(s, updates, i -> {
                w.write(f, "{\"password\":\"v" + i + "\"}");
                return w::lastRenameNanos;
            });
        }
    }

    @FunctionalInterface
    private interface Update {
        LongSupplier write(int i) throws Exception;
    }

    private static long[] measure(SecretSource<FileSecret> s, int updates, Update update) throws Exception {
        BlockingQueue<long[]> received = new ArrayBlockingQueue<>(16);
        s.subscribe(c -> {
            long at = System.nanoTime();
            String v = c.current().values().get("password");
            received.add(new long[] {Long.parseLong(v.substring(1)), at});
        });
        received.take();
        long[] samples = new long[updates];
        for (int i = 1; i <= WARMUP + updates; i++) {
            LongSupplier swappedAt = update.write(i);
            long[] got = received.poll(5, TimeUnit.SECONDS);
            if (got == null || got[0] != i) {
                throw new IllegalStateException("update " + i + " not delivered in order: " + Arrays.toString(got));
            }
            if (i > WARMUP) {
                samples[i - WARMUP - 1] = got[1] - swappedAt.getAsLong();
            }
            // Let the watcher go idle, so each sample is one update on its own.
            Thread.sleep(Duration.ofMillis(10).toMillis());
        }
        return samples;
    }

    private static void report(String what, long[] samples) {
        long[] s = samples.clone();
        Arrays.sort(s);
        System.out.printf(
                "%s: n=%d p50=%.2f ms p90=%.2f ms p99=%.2f ms max=%.2f ms%n",
                what, s.length, ms(pct(s, 50)), ms(pct(s, 90)), ms(pct(s, 99)), ms(s[s.length - 1]));
    }

    /** The {@code p}th percentile (nearest rank) of sorted {@code sorted}. */
    static long pct(long[] sorted, double p) {
        int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
