#!/usr/bin/env python3
"""Writes realistic JSON log lines for the logs benchmark: SIZE bytes (default
1 GiB) of a month of an office platform's logs — application lines with
Chinese and English messages, audit logins, document exchange, host metrics,
backup jobs — to stdout. Deterministic (fixed seed)."""
import random
import sys

size = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 30
rnd = random.Random(2025)
services = ["oa-web", "oa-web", "oa-web", "schedule", "push", "ofd-convert", "exchange", "disk-cloud"]
hosts = ["app-01", "app-02", "app-03", "db-01", "ex-01", "push02"]
users = ["zhangwei", "lina", "wangfang", "liuyang", "chenjing", "zhaolei", "sunli", "zhouqiang", "admin"]
paths = ["/api/todo/list", "/api/doc/submit", "/api/meeting/room", "/api/notice/list", "/api/disk/upload"]
info = ["打开待办列表", "提交发文审批", "request completed", "下载附件", "cache refreshed", "保存草稿"]
errors = [
    "数据库连接超时：等待 {n} ms 后放弃，连接池 oa-pool 活跃连接 {m}/50",
    "OFD 转换失败：文档 DOC-202512{d:02d}-{n:04d} 第 {m} 页字体缺失",
    "upstream 10.20.{m}.{n2} returned 502 for request {uuid}",
    "NullPointerException at com.gov.oa.todo.TodoService.list(TodoService.java:{n})",
]
hexd = "0123456789abcdef"

def uuid():
    h = "".join(rnd.choice(hexd) for _ in range(32))
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

out = sys.stdout
written = 0
chunk = []
t = 0
while written < size:
    t += rnd.randint(1, 2)
    day = 1 + (t // 86400) % 30
    hh, rem = divmod(t % 86400, 3600)
    mm, ss = divmod(rem, 60)
    ts = f"2025-12-{day:02d}T{hh:02d}:{mm:02d}:{ss:02d}.{rnd.randint(0, 999):03d}+08:00"
    host = rnd.choice(hosts)
    r = rnd.random()
    if r < 0.70:
        svc = rnd.choice(services)
        line = (f'{{"ts":"{ts}","level":"INFO","host":"{host}","service":"{svc}","msg":"{rnd.choice(info)}",'
                f'"user":"{rnd.choice(users)}","path":"{rnd.choice(paths)}","status_code":200,'
                f'"elapsed_ms":{rnd.randint(3, 900)},"trace_id":"{uuid()}","ctx":{{"dept":"办公室","ip":"10.20.{rnd.randint(1, 9)}.{rnd.randint(1, 250)}"}}}}')
    elif r < 0.80:
        line = (f'{{"ts":"{ts}","level":"WARN","host":"{host}","service":"oa-web","msg":"慢请求 {rnd.choice(paths)} 耗时 {rnd.randint(2000, 9000)} ms",'
                f'"trace_id":"{uuid()}"}}')
    elif r < 0.85:
        msg = rnd.choice(errors).format(n=rnd.randint(1, 5000), m=rnd.randint(1, 60), n2=rnd.randint(1, 250), d=day, uuid=uuid())
        line = (f'{{"ts":"{ts}","level":"ERROR","host":"{host}","service":"{rnd.choice(services)}","msg":"{msg}",'
                f'"trace_id":"{uuid()}","stack":["at a.b.C.d(C.java:12)","at a.b.E.f(E.java:40)"]}}')
    elif r < 0.91:
        ok = rnd.random() < 0.9
        line = (f'{{"ts":"{ts}","level":"{"INFO" if ok else "WARN"}","host":"{host}","service":"auth","event":"login",'
                f'"outcome":"{"success" if ok else "failure"}","user":"{rnd.choice(users)}","ip":"10.20.{rnd.randint(1, 9)}.{rnd.randint(1, 250)}",'
                f'"msg":"{"登录成功" if ok else "登录失败：密码错误"}"}}')
    elif r < 0.97:
        line = (f'{{"ts":"{ts}","level":"INFO","host":"{host}","service":"monitor","event":"metric",'
                f'"cpu":{rnd.uniform(5, 99):.1f},"mem":{rnd.uniform(30, 95):.1f},"disk":{rnd.uniform(40, 90):.1f}}}')
    elif r < 0.999:
        status = rnd.choice(["ok", "ok", "ok", "pending", "failed"])
        line = (f'{{"ts":"{ts}","level":"{"ERROR" if status == "failed" else "INFO"}","host":"ex-01","service":"exchange","event":"exchange",'
                f'"status":"{status}","doc_id":"XAGX-12{day:02d}-{rnd.randint(1, 400):04d}","msg":"公文交换 {status}"}}')
    else:
        line = (f'{{"ts":"{ts}","level":"INFO","host":"db-01","service":"backup","event":"backup","set":"{rnd.choice(["oa-db", "oa-files"])}",'
                f'"status":"{rnd.choice(["ok", "ok", "failed"])}","msg":"备份任务结束"}}')
    chunk.append(line)
    written += len(line.encode()) + 1
    if len(chunk) >= 10000:
        out.write("\n".join(chunk) + "\n")
        chunk = []
if chunk:
    out.write("\n".join(chunk) + "\n")
