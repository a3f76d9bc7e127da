package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {
    @Test
    void manyClientThreadsAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(64);
        try (ScaiVaultDevServer server = ScaiVaultDevServer.builder()
                .staticToken("skt_c", "idn_c")
                .rateLimitsEnabled(false)
                .start()) {
            server.putSecret("a/b", Map.of("k", "v"));
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<Integer>>> results = new ArrayList<>();
            for (int t = 0; t < 64; t++) {
                int n = t;
                Callable<List<Integer>> task = () -> {
                    Http h = new Http(server).token("skt_c");
                    go.await();
                    List<Integer> statuses = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                        statuses.add(h.get("/v1/secrets/a/b").status());
                        statuses.add(h.put("/v1/secrets/t/" + n, "{\"data\":{\"i\":" + i + "}}")
                                .status());
                        String jwt = server.mintSubjectToken("sa:" + n, Duration.ofMinutes(5));
                        statuses.add(h.post("/v1/auth/exchange", "{\"subject_token\":\"" + jwt + "\"}")
                                .status());
                    }
                    return statuses;
                };
                results.add(pool.submit(task));
            }
            go.countDown();
            for (Future<List<Integer>> f : results) {
                assertThat(f.get(60, TimeUnit.SECONDS)).containsOnly(200);
            }
            assertThat(server.requests()).hasSize(64 * 15);
            Http h = new Http(server).token("skt_c");
            for (int t = 0; t < 64; t++) {
                assertThat(h.get("/v1/secrets/t/" + t).json().path("version").asLong())
                        .isEqualTo(5);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
