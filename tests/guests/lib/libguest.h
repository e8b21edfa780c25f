/* libguest.h - everything a test guest usually needs, in one include. */
#ifndef LIBGUEST_H
#define LIBGUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apic.h"
#include "console.h"
#include "div64.h"
#include "fault.h"
#include "fnv.h"
#include "hypercall.h"
#include "irq.h"
#include "report.h"
#include "smp.h"
#include "start.h"
#include "string.h"
#include "testdev.h"
#include "v3_abi.h"
#include "x86.h"

#endif
