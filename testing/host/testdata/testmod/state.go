package main

import (
	"encoding/hex"
	"strconv"
	"strings"
	"unsafe"
)

func unsafeAt(addr uintptr) unsafe.Pointer { return unsafe.Pointer(addr) }

// runHeaderCommand runs header-map, buffer and property commands.
func runHeaderCommand(c *context, name string, a []string) bool {
	switch name {
	case "get":
		var v, size uint32
		k, kn := sptr(a[1])
		s := proxyGetHeaderMapValue(u(a[0]), k, kn, &v, &size)
		out(c, "get", a[0], a[1], st(s), "v="+string(bytesAt(v, size)))
	case "pairs":
		var v, size uint32
		s := proxyGetHeaderMapPairs(u(a[0]), &v, &size)
		out(c, "pairs", a[0], st(s), "hex="+hex.EncodeToString(bytesAt(v, size)))
	case "strictpairs":
		var v, size uint32
		proxyGetHeaderMapPairs(u(a[0]), &v, &size)
		out(c, "strictpairs", "n="+strconv.Itoa(len(parsePairsStrict(bytesAt(v, size)))))
	case "guardedpairs":
		guardedPairs(c, u(a[0]))
	case "add", "replace":
		k, kn := sptr(a[1])
		v, vn := sptr(a[2])
		f := proxyAddHeaderMapValue
		if name == "replace" {
			f = proxyReplaceHeaderMapValue
		}
		out(c, name, a[0], a[1], st(f(u(a[0]), k, kn, v, vn)))
	case "remove":
		k, kn := sptr(a[1])
		out(c, "remove", a[0], a[1], st(proxyRemoveHeaderMapValue(u(a[0]), k, kn)))
	case "setpairs":
		var pairs [][2]string
		for i := 1; i+1 < len(a); i += 2 {
			pairs = append(pairs, [2]string{a[i], a[i+1]})
		}
		b := serializePairs(pairs)
		out(c, "setpairs", a[0], st(proxySetHeaderMapPairs(u(a[0]), ptr(b), uint32(len(b)))))
	case "setraw":
		b, _ := hex.DecodeString(a[1])
		out(c, "setraw", a[0], st(proxySetHeaderMapPairs(u(a[0]), ptr(b), uint32(len(b)))))
	case "size":
		var size uint32
		s := proxyGetHeaderMapSize(u(a[0]), &size)
		out(c, "size", a[0], st(s), "n="+strconv.Itoa(int(size)))
	case "buf":
		var v, size uint32
		s := proxyGetBufferBytes(u(a[0]), u(a[1]), u(a[2]), &v, &size)
		out(c, "buf", a[0], st(s), "v="+string(bytesAt(v, size)))
	case "bufstatus":
		var size, flags uint32
		s := proxyGetBufferStatus(u(a[0]), &size, &flags)
		out(c, "bufstatus", a[0], st(s), "n="+strconv.Itoa(int(size)))
	case "setbuf":
		d, dn := sptr(a[3])
		out(c, "setbuf", a[0], st(proxySetBufferBytes(u(a[0]), u(a[1]), u(a[2]), d, dn)))
	case "prop":
		var v, size uint32
		p, pn := sptr(strings.ReplaceAll(a[0], "/", "\x00"))
		s := proxyGetProperty(p, pn, &v, &size)
		out(c, "prop", a[0], st(s), "hex="+hex.EncodeToString(bytesAt(v, size)))
	case "setprop":
		p, pn := sptr(a[0])
		v, vn := sptr(a[1])
		out(c, "setprop", a[0], st(proxySetProperty(p, pn, v, vn)))
	default:
		return false
	}
	return true
}

// guardedPairs parses a header map strictly under recover, as a filter's
// callback guard does: a panic is logged and the request gets a 500.
func guardedPairs(c *context, mt uint32) {
	defer func() {
		if r := recover(); r != nil {
			logAt(4, "recovered panic while reading headers")
			out(c, "guardedpairs", "recovered")
			d, dn := sptr("internal_error")
			proxySendLocalResponse(500, d, dn, nil, 0, nil, 0, -1)
		}
	}()
	var v, size uint32
	proxyGetHeaderMapPairs(mt, &v, &size)
	out(c, "guardedpairs", "n="+strconv.Itoa(len(parsePairsStrict(bytesAt(v, size)))))
}

// runStateCommand runs shared data, queue and metric commands.
func runStateCommand(c *context, name string, a []string) bool {
	switch name {
	case "shared-get":
		var v, size, cas uint32
		k, kn := sptr(a[0])
		s := proxyGetSharedData(k, kn, &v, &size, &cas)
		out(c, "shared-get", a[0], st(s), "cas="+strconv.Itoa(int(cas)), "v="+string(bytesAt(v, size)))
	case "shared-set":
		k, kn := sptr(a[0])
		v, vn := sptr(a[1])
		out(c, "shared-set", a[0], st(proxySetSharedData(k, kn, v, vn, u(a[2]))))
	case "shared-incr":
		sharedIncrement(c, a[0])
	case "queue-register":
		var token uint32
		n, nn := sptr(a[0])
		s := proxyRegisterSharedQueue(n, nn, &token)
		out(c, "queue-register", st(s), "token="+strconv.Itoa(int(token)))
	case "queue-resolve":
		var token uint32
		vm, vn := sptr(a[0])
		n, nn := sptr(a[1])
		s := proxyResolveSharedQueue(vm, vn, n, nn, &token)
		out(c, "queue-resolve", st(s), "token="+strconv.Itoa(int(token)))
	case "queue-enqueue":
		v, vn := sptr(a[1])
		out(c, "queue-enqueue", st(proxyEnqueueSharedQueue(u(a[0]), v, vn)))
	case "queue-dequeue":
		var v, size uint32
		s := proxyDequeueSharedQueue(u(a[0]), &v, &size)
		out(c, "queue-dequeue", st(s), "v="+string(bytesAt(v, size)))
	case "define":
		var id uint32
		n, nn := sptr(a[1])
		s := proxyDefineMetric(u(a[0]), n, nn, &id)
		out(c, "define", st(s), "id="+strconv.Itoa(int(id)))
	case "incr":
		out(c, "incr", st(proxyIncrementMetric(u(a[0]), atoi(a[1]))))
	case "record":
		out(c, "record", st(proxyRecordMetric(u(a[0]), uint64(atoi(a[1])))))
	case "getmetric":
		var v uint64
		s := proxyGetMetric(u(a[0]), &v)
		out(c, "getmetric", st(s), "v="+strconv.FormatUint(v, 10))
	default:
		return false
	}
	return true
}

// sharedIncrement adds 1 to a decimal counter with a compare-and-swap loop
// of at most 1000 attempts.
func sharedIncrement(c *context, key string) {
	k, kn := sptr(key)
	for attempt := 1; attempt <= 1000; attempt++ {
		var v, size, cas uint32
		n := int64(0)
		if proxyGetSharedData(k, kn, &v, &size, &cas) == 0 {
			n = atoi(string(bytesAt(v, size)))
		}
		next, nn := sptr(strconv.FormatInt(n+1, 10))
		switch proxySetSharedData(k, kn, next, nn, cas) {
		case 0:
			out(c, "shared-incr", key, "attempts="+strconv.Itoa(attempt))
			return
		case 8:
			continue
		default:
			out(c, "shared-incr", key, "failed")
			return
		}
	}
	out(c, "shared-incr", key, "gave-up")
}
