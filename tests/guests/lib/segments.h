/* segments.h - selectors of the GDT that crt0.S loads. */
#ifndef GUEST_SEGMENTS_H
#define GUEST_SEGMENTS_H

#define GUEST_CODE_SEL 0x08
#define GUEST_DATA_SEL 0x10

#endif
