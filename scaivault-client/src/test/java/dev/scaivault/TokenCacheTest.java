package dev.scaivault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.scaivault.Protocol.IssuedToken;
import dev.scaivault.testkit.ManualTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TokenCacheTest {
    final ManualTime time = new ManualTime();
    final AtomicInteger fetches = new AtomicInteger();
    final Map<String, Instant> issued = new ConcurrentHashMap<>();
    volatile Duration serverLife = Duration.ofHours(24);
    final AtomicBoolean failing = new AtomicBoolean();

    TokenCache.Source source = new TokenCache.Source() {
        @Override
        public IssuedToken fetch() {
            if (failing.get()) {
                throw new ScaiVaultIoException("exchange: connection refused", false, null);
            }
            String t = "tok-" + fetches.incrementAndGet();
            Instant now = time.now();
            issued.put(t, now);
            return new IssuedToken(t, now, now.plus(serverLife));
        }

        @Override
        public String describe() {
            return "test source";
        }
    };

    TokenCache cache(Duration maxAge) {
        return new TokenCache(source, Time.of(time, time), maxAge, Duration.ofMinutes(1), Duration.ofSeconds(10));
    }

    @Test
    void aDayLongTokenIsStillReplacedBeforeFiftyMinutesAndNeverUsedOlder() {
        TokenCache c = cache(TokenCache.MAX_AGE_CAP);
        for (int minute = 0; minute < 5 * 60; minute++) {
            String t = c.token();
            Duration age = Duration.between(issued.get(t), time.now());
            assertThat(age).isLessThan(Duration.ofMinutes(50));
            time.advance(Duration.ofMinutes(1));
        }
        // Replaced in the background at 80% of 50 minutes: 40 minutes, so 300 / 40 = 7.5 -> 8 tokens.
        assertThat(fetches.get()).isBetween(7, 9);
    }

    @Test
    void whenBackgroundRefreshFailsTheCallerGetsANewTokenAtFiftyMinutesAtTheLatest() {
        TokenCache c = cache(TokenCache.MAX_AGE_CAP);
        String first = c.token();
        failing.set(true);
        time.advance(Duration.ofMinutes(49).plusSeconds(59));
        assertThat(c.token()).isEqualTo(first);
        failing.set(false);
        time.advance(Duration.ofSeconds(1));
        String second = c.token();
        assertThat(second).isNotEqualTo(first);
        assertThat(issued.get(second))
                .isAfter(issued.get(first).plus(Duration.ofMinutes(49)))
                .isBeforeOrEqualTo(issued.get(first).plus(Duration.ofMinutes(50)));
    }

    @Test
    void aShortLivedTokenIsReplacedBeforeItsExpiryMinusTheMargin() {
        serverLife = Duration.ofMinutes(10);
        TokenCache c = cache(TokenCache.MAX_AGE_CAP);
        String t = c.token();
        time.advance(Duration.ofMinutes(8).plusSeconds(59));
        assertThat(c.token()).isNotEqualTo(t); // usable until 9 min, refreshed at 80% of that
    }

    @Test
    void sixtyFourThreadsAtTheMomentOfExpiryCauseOneFetch() throws Exception {
        CountDownLatch inFetch = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        TokenCache.Source slow = new TokenCache.Source() {
            @Override
            public IssuedToken fetch() {
                calls.incrementAndGet();
                inFetch.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new IssuedToken(
                        "tok-" + calls.get(), time.now(), time.now().plus(Duration.ofHours(1)));
            }

            @Override
            public String describe() {
                return "slow";
            }
        };
        TokenCache c = new TokenCache(
                slow, Time.of(time, time), TokenCache.MAX_AGE_CAP, Duration.ofMinutes(1), Duration.ofSeconds(10));
        List<Thread> threads = new ArrayList<>();
        List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        for (int i = 0; i < 64; i++) {
            Thread t = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                got.add(c.token());
            });
            t.start();
            threads.add(t);
        }
        start.countDown();
        assertThat(inFetch.await(10, TimeUnit.SECONDS)).isTrue();
        release.countDown();
        for (Thread t : threads) {
            t.join(10_000);
        }
        assertThat(calls.get()).isEqualTo(1);
        assertThat(got).hasSize(64).containsOnly("tok-1");
    }

    @Test
    void invalidatingAReplacedTokenDoesNotDropTheNewOne() {
        TokenCache c = cache(TokenCache.MAX_AGE_CAP);
        String a = c.token();
        c.invalidate(a);
        String b = c.token();
        assertThat(b).isNotEqualTo(a);
        c.invalidate(a); // a late 401 for the old token
        assertThat(c.token()).isEqualTo(b);
        assertThat(fetches.get()).isEqualTo(2);
    }

    @Test
    void theFiftyMinuteCapCannotBeRaised() {
        assertThatThrownBy(() -> cache(Duration.ofMinutes(51))).hasMessageContaining("at most PT50M");
        assertThat(cache(Duration.ofMinutes(10))).isNotNull();
    }

    @Test
    void closeStopsBackgroundRefresh() {
        TokenCache c = cache(TokenCache.MAX_AGE_CAP);
        c.token();
        assertThat(time.pending()).isEqualTo(1);
        c.close();
        time.advance(Duration.ofHours(2));
        assertThat(fetches.get()).isEqualTo(1);
    }

    @Test
    void anErrorWhileObtainingATokenLeavesNothingBehindAndTheNextCallerExchangesAgain() {
        AtomicBoolean oom = new AtomicBoolean(true);
        TokenCache.Source inner = source;
        source = new TokenCache.Source() {
            @Override
            public IssuedToken fetch() {
                if (oom.getAndSet(false)) {
                    throw new OutOfMemoryError("reading an absurd answer");
                }
                return inner.fetch();
            }

            @Override
            public String describe() {
                return "test source";
            }
        };
        TokenCache c2 = cache(TokenCache.MAX_AGE_CAP);
        assertThatThrownBy(c2::token).isInstanceOf(ScaiVaultException.class).hasCauseInstanceOf(OutOfMemoryError.class);
        // Was: the in-flight marker stayed set, and every later caller waited out the limit for an exchange
        // that would never be sent.
        assertTimeoutPreemptively(
                Duration.ofSeconds(5), () -> assertThat(c2.token()).isEqualTo("tok-1"));
        c2.close();
    }

    @Test
    void aTokenThatIsDeadOnArrivalIsNotUsedAndExchangesBackOffInsteadOfLooping() {
        serverLife = Duration.ZERO;
        TokenCache c = cache(TokenCache.MAX_AGE_CAP);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (int i = 0; i < 600; i++) {
                assertThatThrownBy(c::token)
                        .isInstanceOf(ScaiVaultException.class)
                        .hasMessageContaining("lifetime of 0 ms");
                time.advance(Duration.ofMillis(100));
            }
        });
        // One minute of callers every 100 ms: exchanges at 0, 1, 3, 7, 15, 31 s, not one per call (or a loop).
        assertThat(fetches.get()).isBetween(5, 7);
        serverLife = Duration.ofHours(1);
        time.advance(Duration.ofMinutes(1));
        assertThat(c.token()).startsWith("tok-");
        c.close();
    }

    @Test
    void anExpiryAlreadyPastIsTreatedLikeAZeroLifetime() {
        serverLife = Duration.ofMinutes(-5);
        TokenCache c = cache(TokenCache.MAX_AGE_CAP);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertThatThrownBy(c::token).hasMessageContaining("lifetime of -300000 ms");
            time.advance(Duration.ofMinutes(10));
        });
        // Waits of 1, 2, 4 ... 32 s, then 60 s: 15 exchanges in 10 minutes.
        assertThat(fetches.get()).isBetween(14, 16);
        c.close();
    }
}
