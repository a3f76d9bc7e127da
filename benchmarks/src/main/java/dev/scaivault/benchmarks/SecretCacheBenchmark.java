package dev.scaivault.benchmarks;

import dev.scaivault.Auth;
import dev.scaivault.ScaiVault;
import dev.scaivault.Secret;
import dev.scaivault.testkit.ScaiVaultDevServer;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A cached secret read ({@code vault.cache().get(path)}) against the dev server on loopback, next to the floor
 * it is compared with in the same run: a {@code ConcurrentHashMap.get} of the same path (what any in-memory
 * cache does at least) and a clock read (what checking the entry's age costs at least).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SecretCacheBenchmark {
    static final String PATH = "environments/production/billing/database";
    private ScaiVaultDevServer server;
    private ScaiVault vault;
    private final Map<String, Secret> map = new ConcurrentHashMap<>();

    @Setup
    public void setUp() {
        server = ScaiVaultDevServer.builder()
                .staticToken("skt_bench_token_123456", "idn_bench")
                .start();
        server.putSecret(PATH, Map.of("username", "u", "password", "p"));
        vault = ScaiVault.builder()
                .url(server.baseUrl())
                .auth(Auth.token("skt_bench_token_123456"))
                .build();
        map.put(PATH, vault.cache().get(PATH));
    }

    @TearDown
    public void tearDown() {
        vault.close();
        server.close();
    }

    @Benchmark
    public Secret cachedRead() {
        return vault.cache().get(PATH);
    }

    @Benchmark
    public Secret baselineMapGet() {
        return map.get(PATH);
    }

    @Benchmark
    public Instant baselineClockRead() {
        return Clock.systemUTC().instant();
    }
}
