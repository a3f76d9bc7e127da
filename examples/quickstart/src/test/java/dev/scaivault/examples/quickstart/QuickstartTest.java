package dev.scaivault.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class QuickstartTest {
    @Test
    void printsVersionsAndKeysButNoValues() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Quickstart.run(new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(out)
                .contains("version 1", "keys [password, username]", "after rotation: version 2", "median")
                .doesNotContain("p-", "skt_quickstart_");
    }
}
