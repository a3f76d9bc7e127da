package dev.scaivault.benchmarks;

import dev.scaivault.source.AbstractSecretSource;
import dev.scaivault.source.Credentials;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
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
import org.openjdk.jmh.annotations.Warmup;

/** The hot path every consumer hits: {@code SecretSource.current()}. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SourceCurrentBenchmark {
    private Fixed source;

    @Setup
    public void setUp() {
        source = new Fixed();
    }

    @Benchmark
    public Credentials current() {
        return source.current();
    }

    static final class Fixed extends AbstractSecretSource<Credentials> {
        Fixed() {
            super("bench:fixed", Clock.systemUTC());
            publish(Credentials.of("u", "p", "bench"));
        }

        @Override
        public CompletableFuture<Credentials> refreshNow() {
            return CompletableFuture.completedFuture(current());
        }
    }
}
