package dev.scaivault.simulations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scaivault.Auth;
import dev.scaivault.ScaiVault;
import dev.scaivault.ScaiVaultApiException;
import dev.scaivault.lease.LeaseListener;
import dev.scaivault.lease.LeaseSource;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * 1,000 clients (one {@link ScaiVault} and one lease source each, as 1,000 pods would have)
 * share one identity, so one token bucket per category, against one dev server with the documented default
 * rate limits: 100 credential generations and 100 lease renewals/revocations per minute.
 *
 * <p>Time runs {@link #FACTOR} times faster than real time, for the server (buckets, lease expiry,
 * {@code Retry-After}) and every client (schedules, call budgets, retry sleeps) alike; see {@link FastTime}.
 * All figures below are in simulated time unless they say "real". See docs/fleet.md.
 */
class FleetSimulationIT {
    static final double FACTOR = Double.parseDouble(System.getProperty("fleet.factor", "20"));
    static final int FLEET = Integer.getInteger("fleet.size", 1000);
    static final int RESTARTED = FLEET / 2;
    static final int BATCH = Math.max(1, FLEET / 20);
    /** A deployment's pods start over two minutes (scheduling, image pull, JVM start), in random order. */
    static final Duration STAGGER = Duration.ofMinutes(2);
    /** Short enough that every lease of the run renews at least once, long enough to fit 100 renewals/min. */
    static final Duration TTL = Duration.ofMinutes(Long.getLong("fleet.ttlMinutes", 20));

    static final Duration MAX_TTL = Duration.ofHours(4);
    static final String TOKEN = "skt_fleet_shared_identity";
    static final String GENERATE = "/v1/dynamic/engines/db/creds/app";

    private final Map<Integer, Pod> pods = new ConcurrentHashMap<>();
    private final List<Duration> retryAfters = new CopyOnWriteArrayList<>();
    private final AtomicInteger sourceErrorsThrown = new AtomicInteger();
    private final List<String> earlyCalls = new CopyOnWriteArrayList<>();
    private final AtomicInteger clientIoErrors = new AtomicInteger();
    private final List<String> ioErrorSamples = new CopyOnWriteArrayList<>();
    private final ThreadCensus census = new ThreadCensus();

    @Test
    void thousandPodsSharingOneIdentityStartRollAndRenewWithoutGivingUp() throws Exception {
        LeakCheck.secret(TOKEN);
        try (FastTime time = new FastTime(FACTOR);
                ScaiVaultDevServer server = ScaiVaultDevServer.builder()
                        .clock(time.withZone(java.time.ZoneOffset.UTC))
                        .staticToken(TOKEN, "idn_fleet")
                        .inMemoryEngine("db")
                        .dynamicRole("db", "app", RoleConfig.of(TTL, MAX_TTL))
                        .requestLogLimit(5_000_000)
                        .start()) {
            ScheduledExecutorService kubelet = Executors.newScheduledThreadPool(64, named("sim-kubelet"));
            census.start(time);
            Instant t0 = time.now();
            long realStart = System.nanoTime();
            try {
                // Phase 1: the deployment comes up.
                Random random = new Random(8);
                CountDownLatch started = new CountDownLatch(FLEET);
                for (int i = 0; i < FLEET; i++) {
                    int id = i;
                    long at = time.real(STAGGER).toNanos() * random.nextInt(1000) / 1000;
                    kubelet.schedule(
                            () -> {
                                startPod(id, server, time);
                                started.countDown();
                            },
                            at,
                            TimeUnit.NANOSECONDS);
                }
                started.await(2, TimeUnit.MINUTES);
                awaitAllHold(time, 0, FLEET);
                Duration allHeld = Duration.between(t0, time.now());

                // Phase 2: rolling restart of half the fleet, maxSurge BATCH, maxUnavailable 0: a batch of new
                // pods starts, the same number of old ones stops once the new ones hold credentials.
                Instant restartStart = time.now();
                for (int b = 0; b < RESTARTED / BATCH; b++) {
                    List<Integer> fresh = new ArrayList<>();
                    CountDownLatch batch = new CountDownLatch(BATCH);
                    for (int j = 0; j < BATCH; j++) {
                        int id = FLEET + b * BATCH + j;
                        fresh.add(id);
                        kubelet.execute(() -> {
                            startPod(id, server, time);
                            batch.countDown();
                        });
                    }
                    batch.await(1, TimeUnit.MINUTES);
                    awaitAllHold(time, FLEET + b * BATCH, FLEET + (b + 1) * BATCH);
                    CountDownLatch stopped = new CountDownLatch(BATCH);
                    for (int j = 0; j < BATCH; j++) {
                        Pod old = pods.get(b * BATCH + j);
                        kubelet.execute(() -> {
                            old.stop(time);
                            stopped.countDown();
                        });
                    }
                    stopped.await(1, TimeUnit.MINUTES);
                }
                Duration restartTook = Duration.between(restartStart, time.now());

                // Phase 3: keep running until the leases of the restarted pods have renewed too.
                Instant lastStart = pods.values().stream()
                        .filter(p -> p.id >= FLEET)
                        .map(p -> p.firstValueAt)
                        .max(Instant::compareTo)
                        .orElseThrow();
                Instant end = lastStart.plus(TTL.multipliedBy(3).dividedBy(4));
                await().atMost(time.real(Duration.between(time.now(), end)).plusSeconds(30))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> !time.now().isBefore(end));

                List<Pod> running =
                        pods.values().stream().filter(p -> !p.stopped).toList();
                java.util.Set<String> timedOut = new java.util.HashSet<>();
                pods.values().forEach(p -> {
                    if (p.ioErrors.get() > 0) {
                        timedOut.add(p.label);
                    }
                });
                Report report = new Report(server.requests(), t0, time, running, timedOut);
                report.print(
                        allHeld, restartTook, Duration.ofNanos(System.nanoTime() - realStart), retryAfters, census);
                System.out.printf(
                        "client side: %d calls failed with an I/O error (timeouts against the saturated in-process"
                                + " server) in %d pods; %d calls sooner than the Retry-After of the 429 before%n",
                        clientIoErrors.get(), timedOut.size(), earlyCalls.size());
                ioErrorSamples.forEach(m -> System.out.println("  I/O error: " + m));

                // No pod gave up: every running pod holds credentials that are valid now.
                Instant now = time.now();
                assertThat(running).hasSize(FLEET);
                assertThat(running).allSatisfy(p -> assertThat(p.source.status().usableAt(now))
                        .as("pod %d: %s", p.id, p.source.status())
                        .isTrue());
                assertThat(pods.values()).allSatisfy(p -> assertThat(p.expired.get())
                        .as("pod %d saw its lease expire", p.id)
                        .isZero());
                assertThat(sourceErrorsThrown).hasValue(0);
                // Every pod started exactly once (no crash loop), and generated few leases: its first one, and a
                // successor only if a lease could not be renewed.
                assertThat(report.generatedPerPod.values())
                        .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(3));

                // Renewals happened, and spread rather than synchronized.
                assertThat(report.renewals).isGreaterThan(FLEET / 2);
                assertThat(report.maxRenewalsInOneSecond)
                        .as("busiest second of renewals")
                        .isLessThanOrEqualTo(report.renewalBound());

                // Every 429 was followed by a wait of at least Retry-After before the same request was sent again.
                assertThat(retryAfters).allSatisfy(d -> assertThat(d).isEqualTo(Duration.ofSeconds(1)));
                assertThat(earlyCalls).isEmpty();
                assertThat(report.retriesSoonerThanRetryAfter).isEmpty();

                // Threads stay bounded: one scheduler for all 1,000 clients, plus an I/O thread per call in flight
                // (tens at a moment when the in-process server is saturated, measured 45-96), never one per
                // client; docs/fleet.md has the figures.
                assertThat(census.peak("scaivault-scheduler-fast")).isEqualTo(1);
                assertThat(census.peak("scaivault-lease-io")).isLessThan(FLEET);
                assertThat(census.peakClientThreads()).isLessThan(FLEET);
            } finally {
                census.stop();
                kubelet.shutdownNow();
                pods.values().parallelStream().forEach(p -> p.stop(time));
            }
        }
    }

    private void startPod(int id, ScaiVaultDevServer server, FastTime time) {
        Pod pod = new Pod(id);
        pods.put(id, pod);
        pod.startedAt = time.now();
        // X-Tenant-ID labels the pod in the server's request log; the dev server's buckets are per identity.
        ScaiVault vault = ScaiVault.builder()
                .url(server.baseUrl())
                .auth(Auth.token(TOKEN))
                .tenant(pod.label)
                .time(time.time())
                .build();
        pod.vault = vault;
        try {
            pod.source = LeaseSource.builder(new Observed(vault.dynamic(), pod, time), time.time(), "db", "app")
                    // The fleet's pods are ready once they hold credentials; none may crash for want of them.
                    .startWithoutValue()
                    .listener(pod)
                    .build();
        } catch (RuntimeException e) {
            sourceErrorsThrown.incrementAndGet();
            throw e;
        }
    }

    private void awaitAllHold(FastTime time, int from, int to) {
        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    boolean all = true;
                    for (int i = from; i < to; i++) {
                        Pod p = pods.get(i);
                        if (p == null || p.source == null || !p.source.status().hasValue()) {
                            all = false;
                        } else if (p.firstValueAt == null) {
                            p.firstValueAt = time.now();
                        }
                    }
                    return all;
                });
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Watches each pod's calls from the client side: a call that ended in a 429 must not be followed by the
     * same kind of call sooner than its {@code Retry-After}; a call that timed out on the client is counted
     * (its answer may still have been a 429 the client never saw).
     */
    private final class Observed implements dev.scaivault.DynamicSecrets {
        private final dev.scaivault.DynamicSecrets api;
        private final Pod pod;
        private final FastTime time;
        private final Map<String, Instant> notBefore = new ConcurrentHashMap<>();

        Observed(dev.scaivault.DynamicSecrets api, Pod pod, FastTime time) {
            this.api = api;
            this.pod = pod;
            this.time = time;
        }

        @Override
        public dev.scaivault.DynamicSecrets singleAttempt() {
            // What the lease source asks for: observe the calls it really makes.
            return new Observed(api.singleAttempt(), pod, time);
        }

        private <T> T note(String kind, java.util.function.Supplier<T> call) {
            Instant start = time.now();
            Instant earliest = notBefore.remove(kind);
            if (earliest != null && start.isBefore(earliest)) {
                earlyCalls.add(
                        pod.label + " " + kind + " " + Duration.between(start, earliest) + " before Retry-After");
            }
            try {
                return call.get();
            } catch (ScaiVaultApiException e) {
                if (e.status() == 429) {
                    e.retryAfter().ifPresent(d -> {
                        retryAfters.add(d);
                        notBefore.put(kind, time.now().plus(d));
                    });
                }
                throw e;
            } catch (dev.scaivault.ScaiVaultIoException e) {
                if (clientIoErrors.incrementAndGet() <= 3) {
                    StringBuilder chain = new StringBuilder(e.getMessage());
                    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                        chain.append(" <- ").append(c);
                    }
                    ioErrorSamples.add(chain + " after " + Duration.between(start, time.now()));
                }
                pod.ioErrors.incrementAndGet();
                throw e;
            }
        }

        @Override
        public dev.scaivault.Lease generate(String engine, String role, Duration ttl) {
            return note("generate", () -> api.generate(engine, role, ttl));
        }

        @Override
        public dev.scaivault.Lease renew(String leaseId, Duration increment) {
            return note("renew " + leaseId, () -> api.renew(leaseId, increment));
        }

        @Override
        public void revoke(String leaseId) {
            note("revoke " + leaseId, () -> {
                api.revoke(leaseId);
                return null;
            });
        }

        @Override
        public dev.scaivault.Lease lookup(String leaseId) {
            return note("lookup " + leaseId, () -> api.lookup(leaseId));
        }
    }

    private static final class Pod implements LeaseListener {
        final int id;
        final String label;
        final AtomicInteger expired = new AtomicInteger();
        final AtomicInteger ioErrors = new AtomicInteger();
        volatile ScaiVault vault;
        volatile SecretSource<Credentials> source;
        volatile Instant startedAt;
        volatile Instant firstValueAt;
        volatile boolean stopped;

        Pod(int id) {
            this.id = id;
            this.label = "pod-" + id;
        }

        @Override
        public void expired(dev.scaivault.Lease lease) {
            expired.incrementAndGet();
        }

        synchronized void stop(FastTime time) {
            if (stopped) {
                return;
            }
            stopped = true;
            if (source != null) {
                source.close();
            }
            if (vault != null) {
                vault.close();
            }
        }
    }

    /** Samples every live thread's name every 50 ms and keeps the peak count per name prefix. */
    static final class ThreadCensus {
        private final Map<String, AtomicInteger> peaks = new ConcurrentHashMap<>();
        private final AtomicInteger peakClient = new AtomicInteger();
        private final Map<String, Long> peakAt = new ConcurrentHashMap<>();
        private volatile FastTime time;
        private final AtomicLong samples = new AtomicLong();
        private volatile boolean running;
        private Thread thread;

        void start(FastTime time) {
            this.time = time;
            running = true;
            thread = new Thread(
                    () -> {
                        while (running) {
                            sample();
                            try {
                                Thread.sleep(50);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "sim-census-1");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join();
        }

        void sample() {
            Map<String, Integer> now = new HashMap<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                now.merge(prefix(t.getName()), 1, Integer::sum);
            }
            int client = 0;
            for (var e : now.entrySet()) {
                AtomicInteger peak = peaks.computeIfAbsent(e.getKey(), k -> new AtomicInteger());
                if (e.getValue() > peak.get()) {
                    peak.set(e.getValue());
                    peakAt.put(e.getKey(), time.elapsed().toSeconds());
                }
                if (isClientThread(e.getKey())) {
                    client += e.getValue();
                }
            }
            peakClient.accumulateAndGet(client, Math::max);
            samples.incrementAndGet();
        }

        static boolean isClientThread(String prefix) {
            return (prefix.startsWith("scaivault-") && !prefix.startsWith("scaivault-devserver"))
                    || prefix.startsWith("OkHttp");
        }

        static String prefix(String name) {
            return name.replaceAll("-\\d+$", "").replaceAll("-\\d+-", "-N-").replaceAll(" \\d+$", "");
        }

        int peak(String prefix) {
            AtomicInteger p = peaks.get(prefix);
            return p == null ? 0 : p.get();
        }

        int peakClientThreads() {
            return peakClient.get();
        }

        Map<String, Integer> peaks() {
            Map<String, Integer> m = new TreeMap<>();
            peaks.forEach((k, v) -> m.put(k, v.get()));
            return m;
        }

        /** When (simulated seconds since the start) {@code prefix} first reached its peak. */
        long peakAt(String prefix) {
            return peakAt.getOrDefault(prefix, -1L);
        }

        long samples() {
            return samples.get();
        }
    }
}
