import { Alert, message as antdMessage, Button, Card, Descriptions, Form, Input, InputNumber, Popconfirm, Space, Spin, Tag, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, saveBlob } from '@/api/client';
import { fetchMyBid } from '@/api/my-bids';
import { errorText } from '@/api/errors';
import type { BidReceiptView, BidSecurityAccount, MyBid, MyBidSecurity, Tender } from '@/api/types';
import { useAuth } from '@/auth/AuthContext';
import { Countdown } from '@/components/Countdown';
import { FileInput, readFileBytes } from '@/components/FileInput';
import { CONSOLE_TOOL_VERSION, browserDeviceId } from '@/lib/device';
import { BID_SECURITY_STATUS, BID_STATUS, label, yuan } from '@/lib/labels';
import { formatBeijingLabel } from '@/lib/time';
import { base64Encode, browserCrypto, isValidPrice, MAX_PLAINTEXT_BYTES, sealBidInBrowser, verifyReceiptInBrowser } from '@shared/sdk/browser';

interface BidForm {
  price: string;
  durationDays?: number;
  documentAuthor?: string;
}

interface Submitted {
  receipt: BidReceiptView;
  keyCommitment: string;
  keyFile: string | null;
  verified: boolean | null;
}

/**
 * /tenders/<id>/bid — the bidder's desk: the bid-security virtual account and its live status, the bid sealed IN THE
 * BROWSER (src/sdk/browser.ts: the SDK's own format code on WebCrypto, pure-JS fallback), the key offered only as a
 * download, the signed receipt verified here against GET /platform/keys; replace or withdraw before the deadline.
 */
export default function BidPage() {
  const { id = '' } = useParams();
  const { me } = useAuth();
  const [message, messageHolder] = antdMessage.useMessage();
  const [tender, setTender] = useState<Tender | null>(null);
  const [account, setAccount] = useState<BidSecurityAccount | null>(null);
  const [security, setSecurity] = useState<MyBidSecurity | null>(null);
  const [mine, setMine] = useState<MyBid | null>(null);
  const [submitted, setSubmitted] = useState<Submitted | null>(null);
  const [keyDownloaded, setKeyDownloaded] = useState(false);
  const [files, setFiles] = useState<File[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'seal' | 'withdraw' | null>(null);
  const platformKey = useRef<string | null>(null);

  const receiptKey = async () => (platformKey.current ??= (await api.get<{ receiptPublicKey: string }>('/platform/keys')).receiptPublicKey);

  const loadMine = useCallback(async () => {
    const b = await fetchMyBid(id);
    setMine(b);
    return b;
  }, [id]);

  useEffect(() => {
    // The loader catches its own errors (shown in the page), so nothing awaits it.
    void (async () => {
      try {
        const t = await api.get<Tender>(`/tenders/${id}`);
        setTender(t);
        const b = await loadMine();
        // A bid already submitted (e.g. in an earlier visit): verify its latest receipt here too.
        if (b && b.status !== 'WITHDRAWN') {
          const ok = await verifyReceiptInBrowser({
            receipt: b,
            tenderId: id,
            bidderOrganizationId: b.bidderOrganizationId,
            keyCommitment: b.keyCommitment,
            receiptPublicKeyPem: await receiptKey(),
          });
          setSubmitted({ receipt: b, keyCommitment: b.keyCommitment, keyFile: null, verified: ok });
        }
        if (t.status === 'PUBLISHED') {
          setAccount(await api.get<BidSecurityAccount>(`/tenders/${id}/bid-security/account`));
        }
      } catch (e) {
        setLoadError(errorText(e));
      }
    })();
  }, [id, loadMine]);

  // The bid security's status, live (the bank's notification arrives asynchronously).
  useEffect(() => {
    if (!tender) return;
    let stop = false;
    const poll = async () => {
      try {
        const s = await api.get<MyBidSecurity>(`/tenders/${id}/bid-security/mine`);
        if (!stop) setSecurity(s);
      } catch {
        /* shown as unknown */
      }
    };
    void poll();
    const timer = window.setInterval(poll, 5000);
    return () => {
      stop = true;
      window.clearInterval(timer);
    };
  }, [id, tender]);

  // Leaving before the key is downloaded loses the only copy of the key.
  useEffect(() => {
    if (!submitted?.keyFile || keyDownloaded) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [submitted, keyDownloaded]);

  if (loadError) return <Alert type="error" showIcon title={loadError} />;
  if (!tender || !me) return <Spin style={{ display: 'block', margin: '64px auto' }} />;

  const open = tender.status === 'PUBLISHED' && !tender.suspended;

  const seal = async (v: BidForm) => {
    if (!me.organizationId) return;
    setBusy('seal');
    setError(null);
    try {
      const attachments = [];
      for (const f of files) attachments.push({ name: f.name, contentBase64: base64Encode(await readFileBytes(f)) });
      const sealed = await sealBidInBrowser({
        tenderId: tender.id,
        bidderOrganizationId: me.organizationId,
        plaintext: {
          price: v.price.trim(),
          currency: 'CNY',
          ...(v.durationDays ? { durationDays: v.durationDays } : {}),
          ...(attachments.length ? { attachments } : {}),
        },
        escrowPublicKey: tender.decryption.mode === 'BIDDER' ? null : tender.sealing.escrowPublicKey,
        client: { deviceId: browserDeviceId(), toolVersion: CONSOLE_TOOL_VERSION, ...(v.documentAuthor?.trim() ? { documentAuthor: v.documentAuthor.trim() } : {}) },
      });
      // Only the sealed request leaves the browser: never the key, never the plaintext.
      const receipt = await api.post<BidReceiptView>(`/tenders/${tender.id}/bids`, sealed.request);
      const verified = await verifyReceiptInBrowser({
        receipt,
        tenderId: tender.id,
        bidderOrganizationId: me.organizationId,
        keyCommitment: sealed.request.keyCommitment,
        receiptPublicKeyPem: await receiptKey(),
        ciphertext: sealed.ciphertext,
      });
      setSubmitted({ receipt, keyCommitment: sealed.request.keyCommitment, keyFile: sealed.keyFile, verified });
      setKeyDownloaded(false);
      await loadMine();
      message.success(receipt.version > 1 ? `已替换为第 ${receipt.version} 版投标文件` : '投标文件已加密递交');
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  const withdraw = async () => {
    setBusy('withdraw');
    setError(null);
    try {
      await api.delete(`/tenders/${tender.id}/bids/mine`);
      setSubmitted(null);
      await loadMine();
      message.success('投标已撤回');
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  const fallback = browserCrypto().usedFallback();
  const hasActiveBid = mine && mine.status === 'SUBMITTED';

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      {messageHolder}
      <div>
        <Typography.Title level={2} style={{ marginBottom: 4 }}>
          投标：{tender.title}
        </Typography.Title>
        <Space wrap>
          <Typography.Text>投标截止：{formatBeijingLabel(tender.bidDeadline)}</Typography.Text>
          {open && <Countdown until={tender.bidDeadline} label="剩余" />}
          <Link to={`/tenders/${tender.id}`}>返回项目</Link>
        </Space>
      </div>

      <Card title="投标保证金" size="small">
        {/^0(\.0+)?$/.test(tender.bidSecurityAmount) ? (
          <Typography.Text>本项目不收取投标保证金。</Typography.Text>
        ) : (
          <Descriptions column={{ xs: 1, md: 2 }} size="small">
            <Descriptions.Item label="应缴金额">{yuan(tender.bidSecurityAmount)}</Descriptions.Item>
            <Descriptions.Item label="缴纳状态">
              <span data-testid="bid-security-status">
                {security ? <Tag color={security.status === 'PAID' ? 'green' : 'orange'}>{label(BID_SECURITY_STATUS, security.status)}</Tag> : '查询中…'}
              </span>
              {security && security.paidAmount !== '0.00' && <span>已到账 {yuan(security.paidAmount)}</span>}
            </Descriptions.Item>
            <Descriptions.Item label="虚拟子账号（专用于本项目）">
              <span className="mono" data-testid="virtual-account">{account?.virtualAccountNo ?? security?.virtualAccountNo ?? '—'}</span>
            </Descriptions.Item>
            <Descriptions.Item label="说明">请从本单位基本账户转账至上述虚拟子账号；到账后状态自动更新。</Descriptions.Item>
          </Descriptions>
        )}
      </Card>

      {open ? (
        <Card title={hasActiveBid ? '替换投标文件' : '加密并递交投标文件'} size="small">
          <Alert
            type="info"
            showIcon
            style={{ marginBottom: 16 }}
            title="投标文件在您的浏览器中加密"
            description="报价和附件在本机用 AES-256-GCM 加密，密钥只在本机生成，平台在开标前无法查看。递交后请立即下载密钥文件并妥善保管，开标时需用它解密。"
          />
          <Form<BidForm> layout="vertical" onFinish={seal} requiredMark={false} style={{ maxWidth: 560 }}>
            <Form.Item
              label="投标报价（元）"
              name="price"
              rules={[
                { required: true, message: '请输入投标报价' },
                { validator: async (_r, v: string) => (v && !isValidPrice(v.trim()) ? Promise.reject(new Error('金额最多两位小数，如 36500000.00')) : undefined) },
              ]}
              extra={tender.priceCeiling ? `最高投标限价 ${yuan(tender.priceCeiling)}` : undefined}
            >
              <Input inputMode="decimal" autoComplete="off" />
            </Form.Item>
            <Form.Item label="工期（日历天，可选）" name="durationDays">
              <InputNumber min={1} max={36500} precision={0} style={{ width: 200 }} />
            </Form.Item>
            <Form.Item label="投标文件（附件，可选，随报价一起加密）">
              <FileInput label="投标文件" multiple onFiles={setFiles} />
              {files.reduce((n, f) => n + f.size, 0) > MAX_PLAINTEXT_BYTES * 0.7 && <Typography.Text type="danger">附件过大</Typography.Text>}
            </Form.Item>
            <Form.Item label="文件编制人（可选）" name="documentAuthor">
              <Input />
            </Form.Item>
            {error && <Alert type="error" title={error} showIcon style={{ marginBottom: 16 }} />}
            <Button type="primary" htmlType="submit" loading={busy === 'seal'}>
              加密并递交
            </Button>
          </Form>
        </Card>
      ) : (
        !submitted && (
          <div className="plain-result">
            <h2>当前不在投标期</h2>
          </div>
        )
      )}

      {submitted && (
        <Card title="投标回执" size="small">
          <Space orientation="vertical" style={{ width: '100%' }}>
            {submitted.verified === true && (
              <Alert type="success" showIcon title="回执签名验证通过" description="已在浏览器中用平台公钥（GET /platform/keys，Ed25519）验证回执签名与密文摘要。" />
            )}
            {submitted.verified === false && <Alert type="error" showIcon title="回执签名验证失败！请勿依赖此回执，并联系交易中心。" />}
            <Descriptions column={1} size="small" bordered className="tender-meta">
              <Descriptions.Item label="投标编号">
                <span className="mono">{submitted.receipt.bidId}</span>
              </Descriptions.Item>
              <Descriptions.Item label="版本">第 {submitted.receipt.version} 版</Descriptions.Item>
              <Descriptions.Item label="递交时间">{formatBeijingLabel(submitted.receipt.receivedAt)}</Descriptions.Item>
              <Descriptions.Item label="密文 SHA-256">
                <span className="mono">{submitted.receipt.ciphertextSha256}</span>
              </Descriptions.Item>
              <Descriptions.Item label="密钥承诺值">
                <span className="mono">{submitted.keyCommitment}</span>
              </Descriptions.Item>
              <Descriptions.Item label="平台签名">
                <span className="mono">{submitted.receipt.signature}</span>
              </Descriptions.Item>
              {mine && <Descriptions.Item label="投标状态">{label(BID_STATUS, mine.status)}</Descriptions.Item>}
            </Descriptions>
            {submitted.keyFile ? (
              <>
                {!keyDownloaded && (
                  <Alert type="warning" showIcon title="请立即下载密钥文件" description="密钥只保存在本页面中，离开后无法找回；开标时需要它解密投标文件。" />
                )}
                <Button
                  type="primary"
                  onClick={() => {
                    saveBlob(new Blob([submitted.keyFile!], { type: 'application/json' }), `bid-key-${tender.id.slice(0, 8)}-v${submitted.receipt.version}.json`);
                    setKeyDownloaded(true);
                  }}
                >
                  下载密钥
                </Button>
              </>
            ) : (
              <Typography.Text type="secondary">密钥文件在递交时下载；本页面不保存密钥。</Typography.Text>
            )}
            {hasActiveBid && open && (
              <Popconfirm title="撤回后投标文件作废，确定撤回？" okText="撤回" cancelText="取消" onConfirm={withdraw}>
                <Button danger loading={busy === 'withdraw'}>
                  撤回投标
                </Button>
              </Popconfirm>
            )}
          </Space>
        </Card>
      )}
      {mine?.status === 'WITHDRAWN' && <Alert type="warning" showIcon title="您的投标已撤回；截止前可重新递交。" />}
      {fallback.length > 0 && (
        <Typography.Text type="secondary">本浏览器缺少部分 WebCrypto 算法（{fallback.join('、')}），已使用经审计的纯 JavaScript 实现。</Typography.Text>
      )}
      {(tender.status === 'OPENING' || tender.openedAt) && (
        <Link to={`/tenders/${tender.id}/opening`}>
          <Button type="primary">进入开标大厅</Button>
        </Link>
      )}
    </Space>
  );
}
