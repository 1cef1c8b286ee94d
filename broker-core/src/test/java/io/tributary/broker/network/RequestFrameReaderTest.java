package io.tributary.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestFrameReaderTest {
    private static ByteBuf frame(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return Unpooled.buffer().writeInt(bytes.length).writeBytes(bytes);
    }

    private static EmbeddedChannel channel(RequestQueueLimits limits) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(new RequestFrameReader(1000, null, limits, new ReadGate(ch)));
        return ch;
    }

    private static String read(EmbeddedChannel ch) {
        RequestFrameReader.Frame f = ch.readInbound();
        if (f == null) return null;
        String s = f.body().toString(StandardCharsets.UTF_8);
        assertEquals(f.body().readableBytes(), f.admittedBytes());
        assertEquals(f.admittedBytes(), f.body().capacity(), "a buffer of exactly the request's size");
        f.body().release();
        return s;
    }

    @Test
    void framesSplitAndJoinedAcrossReadsComeOutWhole() {
        RequestQueueLimits limits = new RequestQueueLimits(500, 1 << 20);
        EmbeddedChannel ch = channel(limits);
        ByteBuf both = Unpooled.buffer().writeBytes(frame("first")).writeBytes(frame("second"));
        ch.writeInbound(both.readRetainedSlice(3));
        assertNull(read(ch));
        ch.writeInbound(both.readRetainedSlice(7));
        assertEquals("first", read(ch));
        ch.writeInbound(both);
        assertEquals("second", read(ch));
        assertEquals(11, limits.usedBytes(), "held until answered");
        assertEquals(2, limits.queuedRequests());
        ch.writeInbound(frame(""));
        assertEquals("", read(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void whileTheBoundsAreReachedTheConnectionStopsReadingAndGoesOnOnceRoomIsFreed() {
        RequestQueueLimits limits = new RequestQueueLimits(500, 10);
        EmbeddedChannel ch = channel(limits);
        ch.writeInbound(frame("0123456789"));
        assertEquals("0123456789", read(ch));
        assertTrue(ch.config().isAutoRead());
        ch.writeInbound(frame("next").writeBytes(frame("last")));
        assertNull(read(ch), "no room: the request waits");
        assertFalse(ch.config().isAutoRead(), "and the socket is not read");
        limits.dequeued();
        limits.released(10);
        ch.runPendingTasks();
        assertTrue(ch.config().isAutoRead());
        assertEquals("next", read(ch));
        assertEquals("last", read(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void aLengthAboveSocketRequestMaxBytesFailsBeforeAnythingIsBuffered() {
        RequestQueueLimits limits = new RequestQueueLimits(500, 1 << 20);
        EmbeddedChannel ch = channel(limits);
        assertThrows(TooLongFrameException.class, () -> ch.writeInbound(Unpooled.buffer().writeInt(1001).writeByte(1)));
        assertEquals(0, limits.usedBytes());
        ch.finishAndReleaseAll();
    }

    @Test
    void aConnectionClosedWithAPartialRequestGivesItsRoomBack() {
        RequestQueueLimits limits = new RequestQueueLimits(500, 1 << 20);
        EmbeddedChannel ch = channel(limits);
        ch.writeInbound(Unpooled.buffer().writeInt(100).writeBytes(new byte[40]));
        assertEquals(100, limits.usedBytes());
        ch.close();
        assertEquals(0, limits.usedBytes());
        assertEquals(0, limits.queuedRequests());
    }
}
