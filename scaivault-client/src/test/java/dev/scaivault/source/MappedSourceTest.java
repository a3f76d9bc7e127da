package dev.scaivault.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.scaivault.SecretUnavailableException;
import dev.scaivault.SecretValues;
import dev.scaivault.Time;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MappedSourceTest {
    record Values(Map<String, String> values, String origin) implements SecretValues {}

    static final class Manual extends AbstractSecretSource<SecretValues> {
        volatile boolean closedByOwner;

        Manual() {
            super("test:values", Time.system().clock());
        }

        CompletableFuture<Void> set(String origin, Map<String, String> values) {
            return publish(new Values(values, origin));
        }

        @Override
        public CompletableFuture<SecretValues> refreshNow() {
            return CompletableFuture.completedFuture(current());
        }

        @Override
        public void close() {
            closedByOwner = true;
            super.close();
        }
    }

    static Map<String, String> creds(String password) {
        return Map.of("username", "app", "password", password);
    }

    @Test
    void aValueTheMappingRefusesKeepsTheLastGoodOneAndReportsWhy() {
        Manual values = new Manual();
        values.set("v1", creds("pw-1"));
        try (SecretSource<Credentials> c = values.map(Credentials.fromKeys())) {
            assertThat(c.current().password()).isEqualTo("pw-1");
            assertThat(c.current().origin()).isEqualTo("v1");
            values.set("v2", Map.of("username", "app"));
            await().until(() -> c.status().stale());
            assertThat(c.status().lastError())
                    .hasValueSatisfying(e -> assertThat(e).contains("key password is missing in v2", "[username]"));
            assertThat(c.current().password()).isEqualTo("pw-1");
            values.set("v3", creds("pw-3"));
            await().until(() -> c.current().password().equals("pw-3"));
            assertThat(c.status().stale()).isFalse();
        }
        assertThat(values.closedByOwner).as("the mapped source owns its source").isTrue();
    }

    @Test
    void theHandOffOfAValueBehindARefusedOneWaitsForTheNextAcceptedValuesHandOff() throws Exception {
        Manual values = new Manual();
        values.set("v1", creds("pw-1"));
        try (SecretSource<Credentials> c = values.map(Credentials.fromKeys())) {
            List<HandOff> held = new CopyOnWriteArrayList<>();
            c.subscribe(ch -> {
                if (ch.previous() != null) {
                    held.add(ch.deferHandOff());
                }
            });
            CompletableFuture<Void> refusedReplacesV1 = values.set("v2", Map.of("username", "app"));
            CompletableFuture<Void> v3ReplacesRefused = values.set("v3", creds("pw-3"));
            await().until(() -> held.size() == 1);
            // Our listener still uses v1's mapping: neither of the source's values may be let go yet.
            assertThat(refusedReplacesV1).isNotDone();
            assertThat(v3ReplacesRefused).isNotDone();
            held.get(0).complete();
            refusedReplacesV1.get(5, TimeUnit.SECONDS);
            v3ReplacesRefused.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aValueRefusedAtTheStartFailsClosedAndClosesTheSource() {
        Manual values = new Manual();
        values.set("v1", Map.of("user", "app"));
        assertThatThrownBy(() -> values.map(Credentials.fromKeys()))
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("key username is missing in v1");
        assertThat(values.closedByOwner).isTrue();
    }

    @Test
    void aRefreshWhoseValueTheMappingRefusesFailsWithTheReason() {
        Manual values = new Manual();
        values.set("v1", creds("pw-1"));
        try (SecretSource<Credentials> c = values.map(Credentials.fromKeys())) {
            values.set("v2", Map.of("username", "app"));
            assertThat(c.refreshNow())
                    .failsWithin(java.time.Duration.ofSeconds(5))
                    .withThrowableThat()
                    .withMessageContaining("refused by the mapping: key password is missing in v2");
            assertThat(c.status().lastError()).isPresent();
            assertThat(c.current().password()).isEqualTo("pw-1");
        }
    }
}
