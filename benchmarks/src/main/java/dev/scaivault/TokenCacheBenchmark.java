package dev.scaivault;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A token-cache hit: what every authenticated call pays before it goes out, next to its floor in the same run:
 * one clock read (a hit checks the token's age). In package {@code dev.scaivault} because the cache is not
 * public API.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TokenCacheBenchmark {
    private TokenCache cache;

    @Setup
    public void setUp() {
        TokenCache.Source staticToken =
                Auth.StaticToken.source("skt_bench_token_123456", Time.system().clock());
        cache = new TokenCache(
                staticToken, Time.system(), TokenCache.MAX_AGE_CAP, Duration.ofMinutes(1), Duration.ofSeconds(5));
        cache.token();
    }

    @Benchmark
    public String hit() {
        return cache.token();
    }

    @Benchmark
    public Instant baselineClockRead() {
        return Clock.systemUTC().instant();
    }

    @Benchmark
    @Threads(2)
    public String hitTwoThreads() {
        return cache.token();
    }
}
