package dev.scaivault.peers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The short variant of the peer comparison, two rotations per approach, with {@code -Ppeers-smoke} (about 95 s:
 * over the default build's budget, so {@code mvn -B verify} leaves it out).
 * Ours must lose no query; every approach must produce a row with its rotations.
 */
class PeersSmokeIT {
    @Test
    void everyApproachProducesARowAndOursLosesNoQuery() throws Exception {
        List<Row> rows;
        try (Peers peers = new Peers(2, java.time.Duration.ofSeconds(2))) {
            rows = peers.runAll();
        }
        assertThat(rows).hasSize(8);
        for (Row row : rows) {
            assertThat(row.queriesOk()).as(row.approach()).isPositive();
            if (row.approach().startsWith("ScaiVault")) {
                assertThat(row.queriesFailed()).as(row.toString()).isZero();
                assertThat(row.rotations()).as(row.toString()).isEqualTo(2);
            }
        }
    }
}
