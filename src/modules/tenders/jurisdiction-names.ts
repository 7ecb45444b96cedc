/**
 * The jurisdictions seeded by migration 1765740000000 (GB/T 2260 codes of 盐城市 and its counties / districts),
 * for naming a tender's jurisdiction in its view without a query. The table `jurisdictions` is the source of truth
 * (GET /jurisdictions); a code not listed here is shown without a name.
 */
export const CITY_CODE = '320900';

export const JURISDICTION_NAMES: Record<string, string> = {
  '320900': '盐城市',
  '320902': '亭湖区',
  '320903': '盐都区',
  '320904': '大丰区',
  '320921': '响水县',
  '320922': '滨海县',
  '320923': '阜宁县',
  '320924': '射阳县',
  '320925': '建湖县',
  '320981': '东台市',
};
