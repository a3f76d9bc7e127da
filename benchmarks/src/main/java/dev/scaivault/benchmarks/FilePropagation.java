package dev.scaivault.benchmarks;

import dev.scaivault.file.FileSecretSource;
import dev.scaivault.testkit.files.KubeletVolume;
import dev.scaivault.testkit.files.RenameOverWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * How long a new secret takes to reach a listener, measured from the writer's atomic step: for a kubelet
 * volume from {@code rename(..data_tmp, ..data)}, for a plain file from consul-template's {@code rename(tmp,
 * dest)}. Prints p50/p90/p99/max over 200 updates each (after 20 warm-up updates). Not a test, and not JMH:
 * each sample is one real file update observed through the real WatchService.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.scaivault.benchmarks.FilePropagation [updates]</pre>
 *
 * Targets: volume p99 &lt;= 20 ms; plain file p99 &lt;= quiet period (200 ms) + 100 ms.
 */
public final class FilePropagation {
    private static final int WARMUP = 20;

    private FilePropagation() {}

    public static void main(String[] args) throws Exception {
        int updates = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Path root = Files.createTempDirectory("scaivault-propagation");
        try {
            volume(root.resolve("vol"), updates);
            plainFile(root.resolve("emptydir"), updates);
        } finally {
            try (var walk = Files.walk(root)) {
                walk.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
        System.exit(0);
    }

    private static void volume(Path dir, int updates) throws Exception {
        KubeletVolume vol = KubeletVolume.at(dir);
        vol.writeStrings(Map.of("username", "app", "password", "v0"));
        try (FileSecretSource s = FileSecretSource.builder(dir).build()) {
            long[] samples = measure(s, updates, i -> {
                vol.writeStrings(Map.of("username", "app", "password", "v" + i));
                return vol::lastSwapNanos;
            });
            report("kubelet volume (rename ..data_tmp -> ..data to listener)", samples);
        }
    }

    private static void plainFile(Path dir, int updates) throws Exception {
        Files.createDirectories(dir);
        Path f = dir.resolve("db.json");
        RenameOverWriter w = new RenameOverWriter();
        w.write(f, "{\"password\":\"v0\"}");
        try (FileSecretSource s = FileSecretSource.builder(f).build()) {
            long[] samples = measure(s, updates, i -> {
                w.write(f, "{\"password\":\"v" + i + "\"}");
                return w::lastRenameNanos;
            });
            report("plain file, quiet period 200 ms (rename tmp -> dest to listener)", samples);
        }
    }

    @FunctionalInterface
    private interface Update {
        LongSupplier write(int i) throws Exception;
    }

    private static long[] measure(FileSecretSource s, int updates, Update update) throws Exception {
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

    private static long pct(long[] sorted, int p) {
        int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
