package dev.scaivault.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scaivault.source.SecretChange;
import dev.scaivault.source.SecretListener;
import dev.scaivault.source.SecretSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Records every snapshot a source delivers (the first is the value at subscription) and checks them. */
final class Recorder implements SecretListener<FileSecret> {
    /** The scenarios' deadline: debounce + 1 s (FILE-UPDATES.md section 7). */
    static final Duration WITHIN = Duration.ofMillis(200 + 1000);

    final List<FileSecret> seen = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Predicate<FileSecret> whole;
    private volatile Consumer<SecretChange<? extends FileSecret>> hook = c -> {};

    /** @param whole what every delivered snapshot must satisfy (not empty, not partial, not mixed) */
    Recorder(Predicate<FileSecret> whole) {
        this.whole = whole;
    }

    static Recorder on(SecretSource<FileSecret> source, Predicate<FileSecret> whole) {
        Recorder r = new Recorder(whole);
        source.subscribe(r);
        await().atMost(WITHIN).until(() -> r.seen.size() == 1);
        return r;
    }

    void onEachChange(Consumer<SecretChange<? extends FileSecret>> hook) {
        this.hook = hook;
    }

    @Override
    public void onChange(SecretChange<? extends FileSecret> change) {
        FileSecret s = change.current();
        if (!whole.test(s)) {
            violations.add(s.toString());
        }
        if (!seen.isEmpty() && seen.get(seen.size() - 1).sha256().equals(s.sha256())) {
            violations.add("same content delivered twice: " + s);
        }
        seen.add(s);
        hook.accept(change);
    }

    Map<String, String> last() {
        return seen.get(seen.size() - 1).values();
    }

    List<Map<String, String>> values() {
        List<Map<String, String>> out = new ArrayList<>();
        seen.forEach(s -> out.add(s.values()));
        return out;
    }

    /** Waits (debounce + 1 s at most) until {@code n} snapshots were delivered in all. */
    void awaitCount(int n) {
        await().atMost(WITHIN).untilAsserted(() -> assertThat(seen).hasSize(n));
    }

    /** Waits until the last delivered snapshot has {@code values}, within {@code atMost}. */
    void awaitLast(Map<String, String> values, Duration atMost) {
        await().atMost(atMost).until(() -> !seen.isEmpty() && last().equals(values));
    }

    /** Asserts that nothing more arrives for a while: longer than the quiet period plus a read. */
    void assertStaysAt(int n) {
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(seen)
                .hasSize(n));
    }

    void assertAllWhole() {
        assertThat(violations).isEmpty();
    }
}
