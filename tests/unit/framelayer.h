/* A test-only layer: frames its payload with a key byte and a checksum.
 *
 * Frame: type(1) key(1) length(2, big-endian, <= FRAME_MAX) payload checksum(4).
 * Types: 'H' hello (both sides send one at start; the layer is up once it has
 * the peer's), 'D' data, 'C' close. A frame whose key is not the layer's own
 * (a frame routed to the wrong layer, the seed's OnionProtocol bug) or whose
 * checksum is wrong fails the layer. Outputs are small and bounded, so tests
 * exercise back-pressure. `greedy` layers take every byte offered (up to a
 * cap) and hand back what followed their close through take_leftover;
 * others take exactly up to the end of their close frame. */
#ifndef STRATA_TEST_FRAMELAYER_H
#define STRATA_TEST_FRAMELAYER_H

#include <stdint.h>
#include "strata/layer.h"

#define FRAME_MAX 1000

/* A new layer; the caller hands it to strata_stack_push, which owns it. */
strata_layer framelayer_new(uint8_t key, int greedy);

#endif
