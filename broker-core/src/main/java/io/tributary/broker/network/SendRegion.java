package io.tributary.broker.network;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A serialized Kafka response handed to Netty as a {@link FileRegion}, so Netty's NIO transport
 * writes it straight to the socket: header and fields from heap buffers, and record data from
 * segment files by {@link FileChannel#transferTo} (zero copy). Written by one event-loop thread.
 * On a TLS connection the bytes must pass through the TLS handler instead: {@link #copy} reads the
 * whole response into a buffer.
 */
final class SendRegion extends AbstractReferenceCounted implements FileRegion {
    private final Send send;
    private long transferred;

    SendRegion(Send send) {
        this.send = send;
    }

    @Override
    public long position() {
        return 0;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    public long count() {
        return send.size();
    }

    @Override
    public long transferTo(WritableByteChannel target, long position) throws IOException {
        long written = send.writeTo(new SocketChannelAdapter(target));
        transferred += written;
        return written;
    }

    @Override
    public FileRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public FileRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public FileRegion touch() {
        return this;
    }

    @Override
    public FileRegion touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        // Nothing to release: slices of segment files are closed with their segment.
    }

    /**
     * {@code send} copied into one buffer from {@code alloc}: header, fields and record data read
     * from the segment files, for a channel that must transform the bytes (TLS encrypts them).
     */
    static io.netty.buffer.ByteBuf copy(Send send, io.netty.buffer.ByteBufAllocator alloc) throws IOException {
        io.netty.buffer.ByteBuf buffer = alloc.buffer((int) send.size());
        try {
            BufferChannel channel = new BufferChannel(buffer);
            while (!send.completed()) {
                if (send.writeTo(channel) == 0 && !send.completed()) {
                    throw new IOException("response of " + send.size() + " bytes ended after " + buffer.writerIndex());
                }
            }
            return buffer;
        } catch (IOException | RuntimeException e) {
            buffer.release();
            throw e;
        }
    }

    /** Lets a Kafka {@link Send} write into a buffer. */
    private static final class BufferChannel implements TransferableChannel {
        private final io.netty.buffer.ByteBuf buffer;

        BufferChannel(io.netty.buffer.ByteBuf buffer) {
            this.buffer = buffer;
        }

        @Override
        public boolean hasPendingWrites() {
            return false;
        }

        @Override
        public long transferFrom(FileChannel fileChannel, long position, long count) throws IOException {
            long done = 0;
            while (done < count) {
                int n = buffer.writeBytes(fileChannel, position + done, (int) Math.min(count - done, Integer.MAX_VALUE));
                if (n <= 0) break;
                done += n;
            }
            return done;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                total += srcs[i].remaining();
                buffer.writeBytes(srcs[i]);
            }
            return total;
        }

        @Override
        public long write(ByteBuffer[] srcs) {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            buffer.writeBytes(src);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    /** Lets a Kafka {@link Send} write to Netty's socket channel. */
    private static final class SocketChannelAdapter implements TransferableChannel {
        private final WritableByteChannel target;

        SocketChannelAdapter(WritableByteChannel target) {
            this.target = target;
        }

        @Override
        public boolean hasPendingWrites() {
            return false;
        }

        @Override
        public long transferFrom(FileChannel fileChannel, long position, long count) throws IOException {
            return fileChannel.transferTo(position, count, target);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (target instanceof GatheringByteChannel gathering) return gathering.write(srcs, offset, length);
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                int n = target.write(srcs[i]);
                total += n;
                if (srcs[i].hasRemaining()) break;
            }
            return total;
        }

        @Override
        public long write(ByteBuffer[] srcs) throws IOException {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return target.write(src);
        }

        @Override
        public boolean isOpen() {
            return target.isOpen();
        }

        @Override
        public void close() {
            // The socket belongs to Netty.
        }
    }
}
