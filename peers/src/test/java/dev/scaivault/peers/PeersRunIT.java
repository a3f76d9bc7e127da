package dev.scaivault.peers;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The full run (issue 17), only with {@code -Ppeers}: {@code scripts/peers.sh quiet} writes
 * docs/peers/quiet.json and docs/peers/quiet.md. Asserts nothing about the peers: it measures them.
 */
class PeersRunIT {
    @Test
    void runsEveryApproachAndWritesTheReport() throws Exception {
        String out = System.getProperty("peers.out", "target/peers/run.json");
        String rotations = System.getProperty("peers.rotations", "10");
        Peers.main(new String[] {"--out", out, "--rotations", rotations});
        assertThat(java.nio.file.Path.of(out)).exists();
    }
}
