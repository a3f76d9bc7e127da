package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The hand-written HTTP/1.1 layer: keep-alive, chunked bodies, 100-continue, malformed requests. */
class HttpCoreTest {
    ScaiVaultDevServer server;

    @BeforeEach
    void start() {
        server = ScaiVaultDevServer.builder().staticToken("skt_h", "idn_h").start();
        server.putSecret("a/b", Map.of("k", "v"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Reads one response: status line, headers, then exactly Content-Length bytes. */
    static String readResponse(BufferedReader in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int length = 0;
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            sb.append(line).append('\n');
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        char[] body = new char[length];
        int read = 0;
        while (read < length) {
            read += in.read(body, read, length - read);
        }
        return sb.append('\n').append(body).toString();
    }

    @Test
    void keepAliveChunkedAndContinue() throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            out.write(("GET /v1/secrets/a/b HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer skt_h\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            String first = readResponse(in);
            assertThat(first).startsWith("HTTP/1.1 200 OK").contains("Connection: keep-alive");

            String chunked = "PUT /v1/secrets/a/b HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer skt_h\r\n"
                    + "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
                    + "9\r\n{\"data\":{\r\n" + "9\r\n\"k\":\"w\"}}\r\n" + "0\r\n\r\n";
            out.write(chunked.getBytes(StandardCharsets.ISO_8859_1));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 100 Continue");
            assertThat(in.readLine()).isEmpty();
            String second = readResponse(in);
            assertThat(second).startsWith("HTTP/1.1 200 OK").contains("\"version\":2");
        }
        assertThat(server.requests()).hasSize(2);
        assertThat(server.requests().get(1).body()).isEqualTo("{\"data\":{\"k\":\"w\"}}");
    }

    @Test
    void malformedRequestsGet400AndAClosedConnection() throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("NONSENSE\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            String r = readResponse(in);
            assertThat(r)
                    .startsWith("HTTP/1.1 400")
                    .contains("X-Request-ID: req_")
                    .contains("Connection: close");
            assertThat(in.readLine()).isNull();
        }
    }

    @Test
    void http10ClosesAfterTheAnswer() throws IOException {
        String answer = RawHttp.exchange(server, "GET", "/v1/health", null, null);
        assertThat(answer).startsWith("HTTP/1.1 200 OK");
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /v1/health HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            assertThat(readResponse(in)).contains("Connection: close");
            assertThat(in.readLine()).isNull();
        }
    }
}
