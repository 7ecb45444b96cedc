import { Alert, Button, Card, Select, Space, Spin, Statistic, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { api } from '@/api/client';
import { fetchMyBid } from '@/api/my-bids';
import { ApiError, errorText } from '@/api/errors';
import { recordServerInstant } from '@/api/server-clock';
import type { MyBid, OpeningHall, Tender } from '@/api/types';
import { useAuth } from '@/auth/AuthContext';
import { useServerNow } from '@/components/Countdown';
import { FileInput } from '@/components/FileInput';
import { BID_STATUS, DECRYPTION_MODE, label, yuan } from '@/lib/labels';
import { formatBeijingLabel, formatDuration } from '@/lib/time';
import { lotLabel, lotParamOf } from '@/pages/bid/lots';
import { base64Encode, keyMatchesCommitment, parseKeyFileText } from '@shared/sdk/browser';

/** How often the hall is polled while the opening is live (ms). bench/run.ts measures the resulting latency. */
export const HALL_POLL_MS = 1000;

const STATUS_COLOR: Record<string, string> = { OPENED: 'orange', DECRYPTED: 'green', WITHDRAWN: 'default', REVOKED: 'red' };

/**
 * /tenders/<id>/opening — 开标大厅. Before the deadline: a countdown on the server's clock. From the deadline: the
 * bids (bidder, status) updating live by polling GET /tenders/{id}/opening-hall once a second, the decryption
 * window's remaining time, a bidder's own decryption (key file → POST …/decryption, the key checked against its
 * commitment in the browser first, format v1 or v2 by the bid's current version); prices appear for everyone only at 唱标, in the same table, without reloading.
 * 标段: on a tender with lots the table names each bid's lot (and lists the bids lot by lot), and a bidder chooses which
 * of its bids to decrypt (a Select labelled 标段 listing its lots, `?lot=` in the address) — each with its own key file.
 */
export default function OpeningHallPage() {
  const { id = '' } = useParams();
  const { me } = useAuth();
  const now = useServerNow(250);
  const [tender, setTender] = useState<Tender | null>(null);
  const [hall, setHall] = useState<OpeningHall | null>(null);
  const [sealed, setSealed] = useState(false);
  const [mine, setMine] = useState<MyBid | null>(null);
  const [params, setParams] = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [keyError, setKeyError] = useState<string | null>(null);
  const [keyFile, setKeyFile] = useState<File | null>(null);
  const [decrypting, setDecrypting] = useState(false);
  /** Prices the bidder has just revealed, by bid. */
  const [revealed, setRevealed] = useState<Record<string, string>>({});
  const polling = useRef(false);

  const loadTender = useCallback(async () => {
    try {
      setTender(await api.get<Tender>(`/tenders/${id}`));
    } catch (e) {
      setError(errorText(e));
    }
  }, [id]);

  const pollHall = useCallback(async () => {
    if (polling.current) return;
    polling.current = true;
    const sentAt = Date.now();
    try {
      const h = await api.get<OpeningHall>(`/tenders/${id}/opening-hall`);
      recordServerInstant(h.serverTime, sentAt, Date.now());
      setHall(h);
      setSealed(false);
      setError(null);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'SEALED_UNTIL_OPENING') setSealed(true);
      else setError(errorText(e));
    } finally {
      polling.current = false;
    }
  }, [id]);

  useEffect(() => {
    void loadTender();
  }, [loadTender]);

  // 标段: the bidder's own opened bids by lot (a tender without lots: lot 1 only, its rows carry no lotNo); the bid
  // shown is the lot of the address if the bidder has a bid there, else its lowest lot still to decrypt, else its first.
  const hasLots = (tender?.lots.length ?? 0) > 0;
  const myRows = (hall?.bids ?? []).filter((b) => b.mine);
  const myLots = [...new Set(myRows.map((b) => b.lotNo ?? 1))].sort((x, y) => x - y);
  const wanted = lotParamOf(params);
  const pendingFirst = myLots.find((n) => myRows.some((b) => (b.lotNo ?? 1) === n && b.status === 'OPENED'));
  const lotNo = wanted !== null && myLots.includes(wanted) ? wanted : (pendingFirst ?? myLots[0] ?? 1);
  const chooseLot = useCallback((n: number) => setParams((p) => (p.set('lot', String(n)), p), { replace: true }), [setParams]);

  const tenderLoaded = tender !== null;
  const lotBidKnown = myLots.includes(lotNo);
  useEffect(() => {
    if (me?.role !== 'BIDDER' || !tenderLoaded) return;
    // A tender with lots: the chosen lot's bid, once the hall has named the bidder's lots.
    if (hasLots && !lotBidKnown) return;
    let stop = false;
    fetchMyBid(id, hasLots ? lotNo : undefined).then(
      (b) => !stop && setMine(b),
      () => !stop && setMine(null),
    );
    return () => {
      stop = true;
    };
  }, [id, me, tenderLoaded, hasLots, lotBidKnown, lotNo, hall?.phase]);

  useEffect(() => {
    setKeyFile(null);
    setKeyError(null);
  }, [lotNo]);

  const deadline = tender ? Date.parse(tender.bidDeadline) : NaN;
  const beforeDeadline = Number.isFinite(deadline) && now < deadline;
  const announced = hall?.phase === 'ANNOUNCED';

  // Live: poll the hall once a second from the opening (the tender's openedAt) until 唱标; again at once when the tab
  // becomes visible. Not before: until the platform opens the bids the hall answers 403 SEALED_UNTIL_OPENING, and a
  // tender that failed with fewer than 3 bids is never opened — neither is asked (no error in the console).
  const opened = !!tender?.openedAt;
  useEffect(() => {
    if (!opened || announced) return;
    void pollHall();
    const timer = window.setInterval(() => document.visibilityState === 'visible' && pollHall(), HALL_POLL_MS);
    const onVisible = () => document.visibilityState === 'visible' && pollHall();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [opened, announced, pollHall]);

  // From the deadline until the platform opens the bids (its deadline job, seconds): the tender itself, once a second,
  // until it is opened (openedAt: the hall is polled from then on) or FAILED (fewer than 3 bids: shown from the tender).
  useEffect(() => {
    if (!tender || beforeDeadline || tender.status !== 'PUBLISHED' || tender.openedAt) return;
    const timer = window.setInterval(loadTender, HALL_POLL_MS);
    return () => window.clearInterval(timer);
  }, [tender, beforeDeadline, loadTender]);

  if (error && !tender) return <Alert type="error" showIcon title={error} />;
  if (!tender) return <Spin style={{ display: 'block', margin: '64px auto' }} />;

  const myRow = myRows.find((b) => (b.lotNo ?? 1) === lotNo);
  // The bid fetched is the chosen lot's (not one still loading for the lot chosen before).
  const mineHere = mine && myRow && mine.bidId === myRow.bidId ? mine : null;

  const decrypt = async () => {
    const mine = mineHere;
    if (!keyFile || !mine) return;
    setKeyError(null);
    setDecrypting(true);
    try {
      const text = await keyFile.text();
      const mismatch = '密钥与您递交的投标文件不匹配（承诺值不符）：请选择最后一次递交时下载的密钥文件';
      let key: Uint8Array;
      if (mine.formatVersion === 2 && (mine.suite === 'INTL-1' || mine.suite === 'GM-1')) {
        // Format v2: the suite's key (16 bytes GM-1, 32 INTL-1) checked against the v2 commitment (SEALED_BID_FORMAT.md
        // v2.4) with the SDK's v2 code, loaded only now; the same POST …/decryption reveals it (v2.9).
        const v2 = await import('@shared/sdk/v2/browser');
        const parsed = v2.parseKeyFileTextV2(text, mine.suite);
        if (!parsed.ok) {
          throw new Error(
            parsed.problem === 'NOT_JSON'
              ? '密钥文件格式错误（不是有效的 JSON）'
              : parsed.problem === 'OTHER_SUITE'
                ? `该密钥文件属于另一加密套件，您的投标文件使用 ${mine.suite}`
                : `密钥文件中没有有效的 ${mine.suite} 密钥（${v2.KEY_BYTES[mine.suite]} 字节）`,
          );
        }
        if (parsed.value.tenderId && parsed.value.tenderId !== tender.id) throw new Error('该密钥文件属于另一个招标项目');
        if (!(await v2.verifyKeyCommitmentV2(v2.browserSuite(mine.suite), parsed.value.key, mine.keyCommitment))) throw new Error(mismatch);
        key = parsed.value.key;
      } else {
        const parsed = parseKeyFileText(text);
        if (!parsed.ok) throw new Error(parsed.problem === 'NOT_JSON' ? '密钥文件格式错误（不是有效的 JSON）' : '密钥文件中没有有效的32字节密钥');
        if (parsed.value.tenderId && parsed.value.tenderId !== tender.id) throw new Error('该密钥文件属于另一个招标项目');
        if (!(await keyMatchesCommitment(parsed.value.key, mine.keyCommitment))) throw new Error(mismatch);
        key = parsed.value.key;
      }
      const r = await api.post<{ price: string }>(`/tenders/${tender.id}/bids/${mine.bidId}/decryption`, { key: base64Encode(key) });
      setRevealed((p) => ({ ...p, [mine.bidId]: r.price }));
      // The lot stays the one just decrypted (else the first lot still to decrypt would take its place at once).
      if (hasLots && wanted !== lotNo) chooseLot(lotNo);
      void pollHall();
    } catch (e) {
      setKeyError(errorText(e));
    } finally {
      setDecrypting(false);
    }
  };

  const windowEnds = hall?.decryptionWindowEndsAt ? Date.parse(hall.decryptionWindowEndsAt) : NaN;
  const myPrice = myRow ? (revealed[myRow.bidId] ?? myRow.price ?? mineHere?.price ?? null) : null;
  const pendingLots = hasLots ? myRows.filter((b) => b.status === 'OPENED' && (b.lotNo ?? 1) !== lotNo).map((b) => b.lotNo ?? 1) : [];
  const lotTitle = (n: number) => {
    const l = tender.lots.find((x) => x.lotNo === n);
    return l ? lotLabel(l) : `第 ${n} 标段`;
  };
  const canDecrypt = me?.role === 'BIDDER' && hall?.phase === 'DECRYPTING' && myRow?.status === 'OPENED' && hall.decryptionMode !== 'ESCROW';

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <div>
        <Typography.Title level={2} style={{ marginBottom: 4 }}>
          开标大厅
        </Typography.Title>
        <Space wrap>
          <Link to={`/tenders/${tender.id}`}>{tender.title}</Link>
          <Typography.Text type="secondary">开标时间：{formatBeijingLabel(tender.bidDeadline)}</Typography.Text>
          <Typography.Text type="secondary">{label(DECRYPTION_MODE, tender.decryption.mode)}</Typography.Text>
        </Space>
      </div>

      {beforeDeadline ? (
        <Card>
          <Statistic title="距开标（投标截止）" value={formatDuration(deadline - now)} />
          <Typography.Text type="secondary">倒计时以平台服务器时间为准（已校准本机时钟）。开标前不显示任何投标信息。</Typography.Text>
        </Card>
      ) : tender.status === 'FAILED' && !hall ? (
        <div className="plain-result">
          <h2>流标</h2>
          <p>{tender.statusReason === 'FEWER_THAN_3_BIDS' ? '递交投标文件的投标人少于3个，不予开标（《招标投标法实施条例》第四十四条）。' : (tender.statusReason ?? '')}</p>
        </div>
      ) : sealed || !hall ? (
        <Card>
          <Spin /> <Typography.Text>正在开标，请稍候…</Typography.Text>
        </Card>
      ) : (
        <>
          <Card size="small">
            {hall.phase === 'DECRYPTING' ? (
              <Space wrap size="large">
                <Statistic title="解密剩余时间" value={Number.isFinite(windowEnds) ? formatDuration(windowEnds - now) : '—'} />
                <Statistic title="已解密" value={`${hall.summary.decrypted} / ${hall.summary.received}`} />
                <Typography.Text type="secondary">全部解密或解密时间结束后统一唱标，此前不公布任何报价。</Typography.Text>
              </Space>
            ) : (
              <Space wrap size="large">
                <Tag color="green" style={{ fontSize: 16, padding: '4px 12px' }}>
                  唱标
                </Tag>
                <Typography.Text>解密结束：{formatBeijingLabel(hall.windowClosedAt)}</Typography.Text>
                <Link to={`/tenders/${tender.id}`}>查看开标记录</Link>
              </Space>
            )}
          </Card>

          {me?.role === 'BIDDER' && (
            <Card title="我的投标" size="small">
              {hasLots && myLots.length > 0 && (
                <Space wrap align="center" style={{ marginBottom: 12 }}>
                  <label htmlFor="hall-lot-choice">
                    <Typography.Text strong>标段</Typography.Text>
                  </label>
                  <Select
                    id="hall-lot-choice"
                    aria-label="标段"
                    value={lotNo}
                    disabled={decrypting}
                    style={{ minWidth: 320 }}
                    onChange={chooseLot}
                    options={myLots.map((n) => {
                      const row = myRows.find((b) => (b.lotNo ?? 1) === n);
                      return { value: n, label: `${lotTitle(n)}（${label(BID_STATUS, row?.status ?? '')}）` };
                    })}
                  />
                  <Typography.Text type="secondary">每个标段的投标文件单独解密，请使用该标段递交时下载的密钥文件。</Typography.Text>
                </Space>
              )}
              {myPrice ? (
                <Space orientation="vertical">
                  <Alert type="success" showIcon title={`已解密，您的投标报价：${yuan(myPrice)}`} />
                  {pendingLots.length > 0 && hall.phase === 'DECRYPTING' && (
                    <Typography.Text type="warning">{`您在${pendingLots.map((n) => `第 ${n} 标段`).join('、')}的投标尚未解密，请在上方选择标段后解密。`}</Typography.Text>
                  )}
                </Space>
              ) : canDecrypt ? (
                <Space orientation="vertical">
                  <Typography.Text>请选择递交投标文件时下载的密钥文件，在解密时限内完成解密。</Typography.Text>
                  <FileInput key={lotNo} label="密钥文件" accept=".json,.key,application/json,text/plain" onFiles={(f) => setKeyFile(f[0] ?? null)} />
                  {keyError && <Alert type="error" showIcon title={keyError} />}
                  <Button type="primary" disabled={!keyFile || !mineHere} loading={decrypting} onClick={decrypt}>
                    解密
                  </Button>
                </Space>
              ) : (
                <Typography.Text type="secondary">
                  {myRow ? `状态：${label(BID_STATUS, myRow.status)}` : '您在本项目没有被开启的投标。'}
                  {hall.decryptionMode === 'ESCROW' && '（本项目由平台托管密钥统一解密）'}
                </Typography.Text>
              )}
            </Card>
          )}

          <Card title="开标一览表" size="small">
            <Table
              aria-label="开标一览表"
              rowKey="bidId"
              size="small"
              pagination={false}
              scroll={{ x: 'max-content' }}
              dataSource={hasLots ? [...hall.bids].sort((x, y) => (x.lotNo ?? 1) - (y.lotNo ?? 1) || x.seq - y.seq) : hall.bids}
              columns={[
                { title: '序号', dataIndex: 'seq', width: 60 },
                ...(hasLots ? [{ title: '标段', dataIndex: 'lotNo', render: (n: number | undefined) => `第 ${n ?? 1} 标段` }] : []),
                { title: '投标人', dataIndex: 'bidderName', render: (n: string, r) => (r.mine ? `${n}（本单位）` : n) },
                {
                  title: '状态',
                  dataIndex: 'status',
                  render: (s: string) => <Tag color={STATUS_COLOR[s] ?? 'default'}>{label(BID_STATUS, s)}</Tag>,
                },
                {
                  title: '投标报价（元）',
                  dataIndex: 'price',
                  align: 'right',
                  render: (p: string | null) => (p ? yuan(p) : <Typography.Text type="secondary">唱标时公布</Typography.Text>),
                },
              ]}
            />
          </Card>
        </>
      )}
      {error && tender && <Alert type="warning" showIcon title={error} />}
    </Space>
  );
}
