package dev.scaivault.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.files.KubeletVolume;
import dev.scaivault.testkit.files.RenameOverWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** No secret value reaches a log line, an exception message or a toString(), on success or failure. */
class FileSecretsNeverLoggedIT {
    private static final String SECRET = "S3cr3t-Do-Not-Log";

    @TempDir
    Path tmp;

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeEach
    void capture() {
        appender.start();
        root.addAppender(appender);
    }

    @AfterEach
    void release() {
        root.detachAppender(appender);
    }

    @Test
    void noValueInLogsErrorsOrToString() throws Exception {
        List<String> texts = new CopyOnWriteArrayList<>();
        List<FileSecretException> errors = new CopyOnWriteArrayList<>();
        Path f = Files.createDirectories(tmp.resolve("s")).resolve("db.json");
        RenameOverWriter w = new RenameOverWriter();
        w.write(f, "{\"username\":\"app\",\"password\":\"" + SECRET + "-1\"}");
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("vol"));
        vol.writeStrings(Map.of("username", "app", "password", SECRET + "-1"));
        try (SecretSource<FileSecret> s = FileSource.builder(f)
                        .maxSize(200)
                        .validator(x -> {
                            if (x.values().get("password").endsWith("-3")) {
                                throw new IllegalArgumentException("password rejected by policy");
                            }
                        })
                        .onError(errors::add)
                        .build();
                SecretSource<Credentials> c =
                        FileSource.builder(vol.dir()).build().map(Credentials.fromKeys())) {
            texts.add(s.current().toString());
            texts.add(c.current().toString());
            // Each a different kind of rejection, each containing the secret somewhere.
            String[] bad = {
                "{\"username\":\"app\",\"password\":\"" + SECRET + "-2",
                "{\"username\":\"app\",\"password\":" + SECRET + "}",
                "{\"password\":\"" + SECRET + "\",\"password\":\"x\"}",
                "{\"username\":\"app\",\"password\":\"" + SECRET + "-3\"}",
                "{\"password\":\"" + SECRET + "x".repeat(300) + "\"}",
                "[\"" + SECRET + "\"]",
                "{\"a\":\"b\"} " + SECRET,
            };
            for (int i = 0; i < bad.length; i++) {
                w.write(f, bad[i]);
                int n = i + 1;
                await().atMost(Recorder.WITHIN).until(() -> errors.size() >= n);
            }
            w.write(f, "{\"username\":\"app\",\"password\":\"" + SECRET + "-4\"}");
            await().atMost(Recorder.WITHIN)
                    .until(() -> s.current().values().get("password").endsWith("-4"));
            vol.writeStrings(Map.of("username", "app", "password", SECRET + "-5"));
            await().atMost(Recorder.WITHIN).until(() -> c.current().password().endsWith("-5"));
            texts.add(s.current().toString());
            texts.add(c.current().toString());
            texts.add(s.status().toString());
            texts.add(c.status().toString());
        }
        // The dotenv parser's errors, which see whole lines.
        Path env = tmp.resolve("s").resolve("db.env");
        for (String content : new String[] {SECRET + "\n", "A=\"" + SECRET + "\n", "1" + SECRET + "=x\n"}) {
            w.write(env, content);
            try (SecretSource<FileSecret> s =
                    FileSource.builder(env).startWithoutValue().build()) {
                texts.add(s.status().toString());
            }
        }
        assertThat(errors).hasSizeGreaterThanOrEqualTo(7);
        for (FileSecretException e : errors) {
            texts.add(e.getMessage());
            texts.add(e.toString());
        }
        for (ILoggingEvent e : new ArrayList<>(appender.list)) {
            texts.add(e.getFormattedMessage());
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                texts.add(t.getMessage());
            }
        }
        assertThat(appender.list).isNotEmpty();
        assertThat(texts).isNotEmpty().noneMatch(t -> t != null && t.contains(SECRET));
    }
}
